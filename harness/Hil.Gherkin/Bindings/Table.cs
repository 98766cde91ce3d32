namespace Hil.Gherkin.Bindings;

/// <summary>A step's data table (Reqnroll's <c>Table</c>): a header row and rows addressed by column name.</summary>
public sealed class Table
{
    public Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        Header = header;
        Rows = rows.Select(cells =>
        {
            if (cells.Count != header.Count)
                throw new ArgumentException($"A table row has {cells.Count} cells but the header has {header.Count}.");
            return new TableRow(this, cells);
        }).ToArray();
    }

    public IReadOnlyList<string> Header { get; }
    public IReadOnlyList<TableRow> Rows { get; }
    public int RowCount => Rows.Count;

    internal int ColumnIndex(string column)
    {
        for (int i = 0; i < Header.Count; i++)
            if (Header[i] == column) return i;
        throw new KeyNotFoundException($"The table has no column '{column}' (columns: {string.Join(", ", Header)}).");
    }

    public override string ToString() =>
        string.Join('\n', new[] { Header }.Concat(Rows.Select(r => r.Cells)).Select(cells => "| " + string.Join(" | ", cells) + " |"));
}

public sealed class TableRow(Table table, IReadOnlyList<string> cells)
{
    public IReadOnlyList<string> Cells { get; } = cells;
    public string this[string column] => Cells[table.ColumnIndex(column)];
    public string this[int index] => Cells[index];
}
