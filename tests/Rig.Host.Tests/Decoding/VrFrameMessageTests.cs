using System.Linq;
using System.Text;
using Rig.Protocol;
using Rig.Recording.Decoding;
using Rig.Recording.Journal;
using Xunit;

namespace Rig.Host.Tests.Decoding;

public sealed class VrFrameMessageTests
{
    [Fact]
    public void A_frame_message_with_every_field_is_read_as_sent()
    {
        var m = VrFrameMessage.Read("""{"frame":12,"render_ns":123456789012,"t_us":4000000,"pos_dm":12.5,"wall":"leaf1","trial":3,"patch":1,"extra":{"a":[1]}}"""u8);
        Assert.Equal(new VrFrameMessage(12, 123456789012, 4000000, 12.5, "leaf1", 3, 1), m);
    }

    [Fact]
    public void Optional_fields_may_be_null_or_absent()
    {
        var m = VrFrameMessage.Read("""{"frame":1,"render_ns":5,"t_us":null,"pos_dm":null}"""u8);
        Assert.Equal(new VrFrameMessage(1, 5, null, null, "", -1, null), m);
    }

    [Theory]
    [InlineData("""{"render_ns":1}""", "frame")]
    [InlineData("""{"frame":1}""", "render_ns")]
    [InlineData("""{"frame":"1","render_ns":1}""", "frame")]
    [InlineData("""{"frame":-1,"render_ns":1}""", "frame")]
    [InlineData("""{"frame":1,"render_ns":1.5}""", "render_ns")]
    [InlineData("""{"frame":1,"render_ns":99999999999999999999}""", "render_ns")]
    [InlineData("""{"frame":1,"render_ns":1,"t_us":-5}""", "t_us")]
    [InlineData("""{"frame":1,"render_ns":1,"pos_dm":"near"}""", "pos_dm")]
    [InlineData("""{"frame":1,"render_ns":1,"wall":"a,b"}""", "wall")]
    [InlineData("""{"frame":1,"render_ns":1,"wall":7}""", "wall")]
    [InlineData("""{"frame":1,"render_ns":1,"trial":99999999999}""", "trial")]
    [InlineData("""{"frame":2,"render_ns":1,"patch":0}""", "patch")]
    [InlineData("""[1,2]""", "message")]
    [InlineData("""not json""", "message")]
    [InlineData("""{"frame":1,"render_ns":1}{}""", "message")]
    [InlineData("", "message")]
    public void A_bad_frame_message_is_refused_naming_the_field(string json, string field)
    {
        var e = Assert.Throws<VrFrameFormatException>(() => VrFrameMessage.Read(Encoding.UTF8.GetBytes(json)));
        Assert.Equal(field, e.Field);
        Assert.Contains($"'{field}'", e.Message, System.StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_utf8_an_oversized_message_and_a_long_wall_id_are_refused_not_thrown_past_the_reader()
    {
        byte[] badText = [.. "{\"frame\":1,\"render_ns\":1,\"wall\":\""u8, 0xC3, 0x28, .. "\"}"u8];
        Assert.Equal("message", Assert.Throws<VrFrameFormatException>(() => VrFrameMessage.Read(badText)).Field);
        byte[] large = Encoding.UTF8.GetBytes("{\"frame\":1,\"render_ns\":1,\"pad\":\"" + new string('x', VrFrameMessage.MaxBytes) + "\"}");
        Assert.Equal("message", Assert.Throws<VrFrameFormatException>(() => VrFrameMessage.Read(large)).Field);
        byte[] wall = Encoding.UTF8.GetBytes("{\"frame\":1,\"render_ns\":1,\"wall\":\"" + new string('w', VrFrameMessage.MaxWallLength + 1) + "\"}");
        Assert.Equal("wall", Assert.Throws<VrFrameFormatException>(() => VrFrameMessage.Read(wall)).Field);
    }

    [Fact]
    public void Frame_topics_are_classified_beside_the_device_topics()
    {
        var topics = new RecordedTopics("rig7");
        Assert.Equal(TopicKind.VrFrame, topics.Classify("vr/v1/rig7/frame"));
        Assert.Equal(TopicKind.GimblFrame, topics.Classify("Gimbl/Frame"));
        Assert.Equal(TopicKind.Events, topics.Classify("rig/v1/rig7/events"));
        Assert.Equal(TopicKind.Unknown, topics.Classify("vr/v1/other/frame"));
        Assert.Equal(TopicKind.Unknown, topics.Classify("vr/v1/rig7/scene"));
    }

    [Fact]
    public void Malformed_frame_messages_are_counted_by_field_and_decoding_goes_on()
    {
        var d = new SessionDecoder("r1");
        d.Process(Frame("""{"frame":0,"render_ns":100}"""));
        d.Process(Frame("""{"frame":1}"""));
        d.Process(Frame("""{"frame":1,"render_ns":"x"}"""));
        d.Process(Frame("garbage"));
        d.Process(Frame("""{"frame":1,"render_ns":200}"""));
        d.Process(Frame("""{"frame":1,"render_ns":200}"""));
        d.Process(new JournalRecord(JournalRecordType.Received, TopicKind.GimblFrame, 0, "{}"u8.ToArray()));
        var vr = d.Summarize().Vr!;
        Assert.Equal(3, vr.FramesReceived);
        Assert.Equal(1, vr.RepeatedFrameIds);
        Assert.Equal(2, vr.MalformedFrames["render_ns"]);
        Assert.Equal(1, vr.MalformedFrames["message"]);
        Assert.Equal(3, vr.MalformedExamples.Count);
        Assert.Equal(1, vr.GimblFrames);
        Assert.Equal(2, vr.Rendered);
        Assert.Empty(d.Summarize().MalformedMessages);
    }

    [Fact]
    public void Frame_ids_missing_within_a_run_are_counted_as_gaps_and_a_restart_at_zero_is_a_new_run()
    {
        var d = new SessionDecoder("r1");
        long render = 1000;
        foreach (long id in new long[] { 0, 1, 2, 5, 6, 0, 1, 3 })
        {
            render += 16_666_667;
            d.Process(Frame($$"""{"frame":{{id}},"render_ns":{{render}}}"""));
        }

        var vr = d.Summarize().Vr!;
        Assert.Equal(2, vr.RendererRuns);
        Assert.Equal(3, vr.FrameIdGaps);
        Assert.Equal(3, vr.Unexplained);
    }

    [Fact]
    public void A_session_without_frames_or_photodiode_has_no_vr_section()
    {
        var d = new SessionDecoder("r1");
        d.Process(new JournalRecord(JournalRecordType.Marker, TopicKind.Unknown, 0, """{"marker":"session_stop"}"""u8.ToArray()));
        Assert.Null(d.Summarize().Vr);
        Assert.Equal(0, d.Summarize().UnknownTopicMessages);
        Assert.True(d.Summarize().MalformedMessages.Values.Sum() == 0);
    }

    private static JournalRecord Frame(string json) => new(JournalRecordType.Received, TopicKind.VrFrame, 0, Encoding.UTF8.GetBytes(json));
}
