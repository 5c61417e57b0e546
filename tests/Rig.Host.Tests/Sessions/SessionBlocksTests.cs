using System;
using System.Collections.Generic;
using System.IO;
using Rig.Recording.Sessions;
using Rig.TestSupport;
using Xunit;

namespace Rig.Host.Tests.Sessions;

public sealed class SessionBlocksTests
{
    private static readonly DateOnly Day = new(2026, 3, 2);

    private static void Session(string parent, string name, string mouse, DateOnly date, int block) =>
        SessionFolder.Create(Path.Combine(parent, name), new SessionHeader("rig-session/1", name, "rig1", 1, "0.1.0", DateTimeOffset.UnixEpoch, 0,
            new Dictionary<string, int>(), "none", "tests", null, null, Subject: new SessionSubject(mouse, date, block)));

    [Fact]
    public void A_new_session_takes_the_next_block_after_the_mouses_sessions_that_day_and_only_that_mouse_and_day_count()
    {
        using var dir = new TempDirectory();
        Assert.Equal(1, SessionBlocks.Choose(dir.Path, "m1", Day, null));
        Session(dir.Path, "a", "m1", Day, 1);
        Session(dir.Path, "b", "m1", Day, 3);
        Session(dir.Path, "c", "m2", Day, 7);
        Session(dir.Path, "d", "m1", Day.AddDays(1), 9);
        Directory.CreateDirectory(dir.Combine("not-a-session"));

        Assert.Equal(4, SessionBlocks.Choose(dir.Path, "m1", Day, null));
        Assert.Equal(1, SessionBlocks.Choose(dir.Path, "m2", Day.AddDays(1), null));
        Assert.Equal(2, SessionBlocks.Choose(dir.Path, "m1", Day, 2));
    }

    [Fact]
    public void A_block_the_mouse_already_has_that_day_is_refused_naming_the_session_that_has_it()
    {
        using var dir = new TempDirectory();
        Session(dir.Path, "morning", "m1", Day, 1);

        var e = Assert.Throws<SessionBlockTakenException>(() => SessionBlocks.Choose(dir.Path, "m1", Day, 1));

        Assert.Contains("block 1 on 2026-03-02", e.Message, StringComparison.Ordinal);
        Assert.Contains("morning", e.Message, StringComparison.Ordinal);
        Assert.Contains("(2)", e.Message, StringComparison.Ordinal);
    }
}
