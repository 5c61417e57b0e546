using Xunit;

namespace Rig.Protocol.Tests.Topics;

public sealed class RigIdTests
{
    [Theory]
    [InlineData("r")]
    [InlineData("rig1")]
    [InlineData("Rig_7-b")]
    [InlineData("abcdefghijklmnopqrstuvwxyz012345")]
    public void Letters_digits_underscore_and_dash_up_to_32_characters_are_a_rig_id(string text)
    {
        Assert.True(RigId.IsValid(text));
        Assert.True(RigId.TryParse(text, out var id));
        Assert.Equal(text, id.Value);
        Assert.Equal(RigId.Parse(text), id);
        Assert.True(RigTopics.IsValidRigId(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456")]
    [InlineData("rig/1")]
    [InlineData("rig+")]
    [InlineData("rig#")]
    [InlineData("rig 1")]
    [InlineData("..")]
    [InlineData("rigé")]
    public void Empty_too_long_or_other_characters_are_refused(string text)
    {
        Assert.False(RigId.IsValid(text));
        Assert.False(RigId.TryParse(text, out var id));
        Assert.Equal("", id.Value);
        Assert.False(RigTopics.IsValidRigId(text));
    }

    [Fact]
    public void Null_is_not_a_rig_id()
    {
        Assert.False(RigId.IsValid(null!));
        Assert.False(RigId.TryParse(null!, out _));
    }

    [Fact]
    public void Parsing_a_bad_rig_id_throws_the_one_message_naming_the_value()
    {
        var e = Assert.Throws<ProtocolException>(() => RigId.Parse("rig/1"));
        Assert.Equal(ProtocolError.InvalidRigId, e.Error);
        Assert.Equal("invalid rig id 'rig/1': use 1-32 characters of A-Z a-z 0-9 _ -", e.Message);
        Assert.Equal(e.Message, RigId.Problem("rig/1"));
        Assert.Equal("invalid bridge user name 'a b': use " + RigId.Rule, RigId.Problem("a b", "bridge user name"));
    }

    [Fact]
    public void The_default_rig_id_is_empty_and_equal_ids_compare_equal()
    {
        Assert.Equal("", default(RigId).Value);
        Assert.True(RigId.Parse("rig1") == RigId.Parse("rig1"));
        Assert.True(RigId.Parse("rig1") != RigId.Parse("rig2"));
    }
}
