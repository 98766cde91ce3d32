using System.Diagnostics;
using System.Globalization;
using Hil.Harness.Firmware;
using Hil.Harness.Gdb;

namespace Hil.Harness.Tests.Gdb;

public sealed class ElfSymbolsTests
{
    [Test]
    public void Symbols_of_the_firmware_ELF_match_arm_none_eabi_nm()
    {
        ElfSymbols elf = ElfSymbols.Load(FirmwareImages.Stm32Elf);
        var start = new ProcessStartInfo("arm-none-eabi-nm", ["--print-size", FirmwareImages.Stm32Elf]) { RedirectStandardOutput = true };
        using Process nm = Process.Start(start)!;
        string[] lines = nm.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        nm.WaitForExit();

        var checkedNames = new List<string>();
        foreach (string name in new[] { "hil_audio_stage", "hil_audio_stage_consumed", "app_poll", "dsp_fft" })
        {
            string[] fields = lines.Select(l => l.Split(' ')).Single(f => f.Length == 4 && f[3] == name);
            ElfSymbol symbol = elf[name];
            Assert.That(symbol.Address, Is.EqualTo(uint.Parse(fields[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture)), name);
            Assert.That(symbol.Size, Is.EqualTo(uint.Parse(fields[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture)), name);
            checkedNames.Add(name);
        }
        Assert.That(elf["hil_audio_stage"].IsFunction, Is.False);
        Assert.That(elf["hil_audio_stage_consumed"].IsFunction, Is.True);
        Assert.That(elf["hil_audio_stage_consumed"].Address % 2, Is.Zero, "the Thumb bit is cleared");
        Assert.That(checkedNames, Has.Count.EqualTo(4));
    }

    [Test]
    public void Broken_files_are_refused_with_the_reason()
    {
        Assert.That(() => ElfSymbols.Parse("not an elf at all, just text that is long enough to have a header......."u8, "x.txt"),
            Throws.TypeOf<InvalidDataException>().With.Message.Contains("not an ELF"));
        byte[] image = File.ReadAllBytes(FirmwareImages.Stm32Elf);
        Assert.That(() => ElfSymbols.Parse(image.AsSpan(0, 4096), "cut.elf"),
            Throws.TypeOf<InvalidDataException>().With.Message.Contains("truncated"));
        byte[] wide = (byte[])image.Clone();
        wide[4] = 2;
        Assert.That(() => ElfSymbols.Parse(wide, "wide.elf"), Throws.TypeOf<InvalidDataException>().With.Message.Contains("not a 32-bit ELF"));
        Assert.That(() => ElfSymbols.Parse(image, "fw.elf")["no_such_symbol"],
            Throws.TypeOf<KeyNotFoundException>().With.Message.Contains("no_such_symbol"));
    }
}
