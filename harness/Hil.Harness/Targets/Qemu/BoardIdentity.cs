using System.Globalization;

namespace Hil.Harness.Targets.Qemu;

/// <summary>
/// Provisions the STM32F4 board's MAC where its unique-ID registers cannot be read (QEMU does not
/// map them): a 16-byte record at the bottom of SRAM, written by QEMU's generic loader at every
/// reset. Layout (firmware/README.md, "Identity"): magic "MAC1", the six MAC bytes, and the ones'
/// complement of their sum as a little-endian u16.
/// </summary>
public static class BoardIdentity
{
    public const uint RecordAddress = 0x2000_0000;
    private const uint Magic = 0x3143_414D; // "MAC1"

    public static IReadOnlyList<string> LoaderArguments(string mac)
    {
        byte[] bytes = NodeMac.Parse(mac);
        ushort check = (ushort)~bytes.Sum(b => b);
        uint word1 = BitConverter.ToUInt32(bytes, 0);
        uint word2 = (uint)(bytes[4] | bytes[5] << 8 | check << 16);
        return ["-device", Loader(RecordAddress, Magic), "-device", Loader(RecordAddress + 4, word1),
            "-device", Loader(RecordAddress + 8, word2)];
    }

    private static string Loader(uint address, uint value) =>
        string.Create(CultureInfo.InvariantCulture, $"loader,addr=0x{address:x8},data=0x{value:x8},data-len=4");
}
