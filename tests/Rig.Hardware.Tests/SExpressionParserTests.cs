using System;
using Xunit;

namespace Rig.Hardware.Tests;

public sealed class SExpressionParserTests
{
    [Fact]
    public void Quoted_strings_keep_their_escaped_quotes_backslashes_and_newlines()
    {
        SNode root = SExpressionParser.Parse("(text \"say \\\"hi\\\"\\n C:\\\\rig\" (at 1.27 -2.54 0))");

        Assert.Equal("text", root.Head);
        Assert.Equal("say \"hi\"\n C:\\rig", root.AtomAt(1));
        Assert.True(root.Items[1].Quoted);
        Assert.Equal(-2.54, root.Child("at")!.NumberAt(2));
    }

    [Theory]
    [InlineData("(kicad_sch (version 20211123)", "'(' never closed")]
    [InlineData("(kicad_sch))", "text after the top-level list")]
    [InlineData("(kicad_sch (title \"open))", "unterminated string")]
    [InlineData("(kicad_sch (title \"bad \\q escape\"))", "unknown escape \\q")]
    [InlineData("kicad_sch", "must start with '('")]
    [InlineData("   ", "empty file")]
    [InlineData("(kicad_sch (title ab\"c\"))", "a quote inside a bare atom")]
    public void Malformed_text_is_refused_with_the_reason(string text, string reason)
    {
        FormatException error = Assert.Throws<FormatException>(() => SExpressionParser.Parse(text));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }
}
