using System;
using System.Text;
using Rig.Recording.Bridge;
using Xunit;

namespace Rig.Host.Tests.Bridge;

public sealed class JournalMarkersTests
{
    [Fact]
    public void A_reboot_marker_names_both_boots()
    {
        Assert.Equal("""{"marker":"device_rebooted","previous_boot_id":7,"boot_id":8}""", Encoding.UTF8.GetString(JournalMarkers.Rebooted(new Reboot(7, 8))));
    }

    [Fact]
    public void A_task_marker_must_be_a_json_object_with_a_marker_field()
    {
        JournalMarkers.Validate("""{"marker":"trial"}"""u8.ToArray());
        Assert.Throws<ArgumentException>(() => JournalMarkers.Validate("""{"trial":1}"""u8.ToArray()));
        Assert.Throws<ArgumentException>(() => JournalMarkers.Validate("[1]"u8.ToArray()));
    }
}
