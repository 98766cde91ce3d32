using System.Buffers.Binary;
using System.Text;

namespace Hil.Harness.Gdb;

/// <summary>One symbol of an ELF's <c>.symtab</c>: its address (Thumb bit cleared for functions) and size.</summary>
public readonly record struct ElfSymbol(string Name, uint Address, uint Size, bool IsFunction);

/// <summary>
/// The symbol table of a 32-bit little-endian ELF (an ARM firmware image), read from the section
/// headers: the <c>SHT_SYMTAB</c> section and the string table its <c>sh_link</c> names. Only what
/// the harness needs to find a firmware's buffers and functions; anything else in the file is ignored.
/// </summary>
public sealed class ElfSymbols
{
    private const int SectionHeaderSize = 40;
    private const int SymbolSize = 16;
    private const uint SectionTypeSymbolTable = 2;
    private const int SymbolTypeFunction = 2;
    private readonly Dictionary<string, ElfSymbol> _symbols;

    private ElfSymbols(string path, Dictionary<string, ElfSymbol> symbols)
    {
        Path = path;
        _symbols = symbols;
    }

    public string Path { get; }
    public IReadOnlyCollection<ElfSymbol> All => _symbols.Values;

    public static ElfSymbols Load(string path)
    {
        byte[] image;
        try
        {
            image = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"Cannot read ELF '{path}': {e.Message}", e);
        }
        return Parse(image, path);
    }

    public static ElfSymbols Parse(ReadOnlySpan<byte> image, string path)
    {
        if (image.Length < 52 || image[0] != 0x7F || image[1] != (byte)'E' || image[2] != (byte)'L' || image[3] != (byte)'F')
            throw new InvalidDataException($"'{path}' is not an ELF file (no \\x7fELF magic).");
        if (image[4] != 1) throw new InvalidDataException($"'{path}' is not a 32-bit ELF (EI_CLASS {image[4]}).");
        if (image[5] != 1) throw new InvalidDataException($"'{path}' is not a little-endian ELF (EI_DATA {image[5]}).");
        uint sectionHeaders = U32(image, 0x20, path);
        int entrySize = U16(image, 0x2E, path);
        int sectionCount = U16(image, 0x30, path);
        if (entrySize != SectionHeaderSize)
            throw new InvalidDataException($"'{path}' has section headers of {entrySize} bytes; an Elf32 header is {SectionHeaderSize}.");

        var symbols = new Dictionary<string, ElfSymbol>(StringComparer.Ordinal);
        bool sawTable = false;
        for (int i = 0; i < sectionCount; i++)
        {
            int header = Offset(sectionHeaders + (uint)(i * SectionHeaderSize), SectionHeaderSize, image, path);
            if (U32(image, header + 4, path) != SectionTypeSymbolTable) continue;
            sawTable = true;
            uint tableOffset = U32(image, header + 0x10, path);
            uint tableSize = U32(image, header + 0x14, path);
            uint link = U32(image, header + 0x18, path);
            if (link >= sectionCount) throw new InvalidDataException($"'{path}': .symtab links to section {link} of {sectionCount}.");
            int stringsHeader = Offset(sectionHeaders + link * SectionHeaderSize, SectionHeaderSize, image, path);
            int strings = Offset(U32(image, stringsHeader + 0x10, path), (int)U32(image, stringsHeader + 0x14, path), image, path);
            int stringsEnd = strings + (int)U32(image, stringsHeader + 0x14, path);
            int table = Offset(tableOffset, (int)tableSize, image, path);
            for (int s = table; s + SymbolSize <= table + tableSize; s += SymbolSize)
            {
                uint nameOffset = U32(image, s, path);
                if (nameOffset == 0) continue;
                string name = ReadString(image, strings + (int)nameOffset, stringsEnd, path);
                uint value = U32(image, s + 4, path);
                bool function = (image[s + 12] & 0xF) == SymbolTypeFunction;
                // ARM marks Thumb functions with bit 0 of the value; the code itself starts one byte lower.
                symbols.TryAdd(name, new ElfSymbol(name, function ? value & ~1u : value, U32(image, s + 8, path), function));
            }
        }
        if (!sawTable) throw new InvalidDataException($"'{path}' has no symbol table (.symtab): was it stripped?");
        return new ElfSymbols(path, symbols);
    }

    public bool TryGet(string name, out ElfSymbol symbol) => _symbols.TryGetValue(name, out symbol);

    public ElfSymbol this[string name] => _symbols.TryGetValue(name, out ElfSymbol symbol)
        ? symbol
        : throw new KeyNotFoundException($"Symbol '{name}' is not in the symbol table of '{Path}' ({_symbols.Count} symbols).");

    private static string ReadString(ReadOnlySpan<byte> image, int start, int end, string path)
    {
        if (start >= end) throw new InvalidDataException($"'{path}': a symbol name points past its string table.");
        int length = image[start..end].IndexOf((byte)0);
        if (length < 0) throw new InvalidDataException($"'{path}': a symbol name is not terminated inside its string table.");
        return Encoding.ASCII.GetString(image.Slice(start, length));
    }

    private static int Offset(uint offset, int length, ReadOnlySpan<byte> image, string path)
    {
        if (length < 0 || offset > (uint)image.Length || (uint)length > image.Length - offset)
            throw new InvalidDataException($"'{path}' is truncated: {length} bytes at offset {offset} lie past its {image.Length} bytes.");
        return (int)offset;
    }

    private static uint U32(ReadOnlySpan<byte> image, int at, string path) =>
        BinaryPrimitives.ReadUInt32LittleEndian(image.Slice(Offset((uint)at, 4, image, path), 4));

    private static ushort U16(ReadOnlySpan<byte> image, int at, string path) =>
        BinaryPrimitives.ReadUInt16LittleEndian(image.Slice(Offset((uint)at, 2, image, path), 2));
}
