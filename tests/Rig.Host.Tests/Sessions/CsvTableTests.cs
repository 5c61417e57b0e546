using System.IO;
using Rig.Recording.Sessions;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Sessions;

public sealed class CsvTableTests
{
    private sealed record Row(int A, string B, double? C);

    private static readonly CsvTable<Row> Table = new("t.csv",
        [new("a", r => CsvCell.Of(r.A)), new("b", r => r.B), new("c", r => CsvCell.Of(r.C))],
        r => new Row(r.Int("a"), r.Text("b"), r.DoubleOrNull("c")));

    [Fact]
    public void A_table_reads_back_what_it_wrote()
    {
        using var dir = new TempDirectory();
        Table.Write(dir.Path, [new Row(1, "x", 2.5), new Row(2, "y", null)]);
        Assert.Equal([new Row(1, "x", 2.5), new Row(2, "y", null)], Table.Read(dir.Path));
    }

    [Fact]
    public void A_table_written_before_a_column_was_added_at_the_end_reads_with_the_new_column_empty()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.Combine("t.csv"), "a,b\n1,x\n2,y\n");
        Assert.Equal([new Row(1, "x", null), new Row(2, "y", null)], Table.Read(dir.Path));
    }

    [Theory]
    [InlineData("a,c\n1,2\n", "expected the header 'a,b,c', found 'a,c'")]
    [InlineData("a,b,c,d\n1,x,2,3\n", "found 'a,b,c,d'")]
    [InlineData("\n", "found ''")]
    [InlineData("a,b\n1,x,3\n", ":2: 3 columns, expected 2")]
    public void A_table_with_another_header_or_a_row_of_the_wrong_width_is_refused_naming_the_file_and_line(string text, string message)
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.Combine("t.csv"), text);
        var e = Assert.Throws<InvalidDataException>(() => Table.Read(dir.Path));
        Assert.Contains("t.csv", e.Message, System.StringComparison.Ordinal);
        Assert.Contains(message, e.Message, System.StringComparison.Ordinal);
    }
}
