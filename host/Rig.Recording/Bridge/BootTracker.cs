namespace Rig.Recording.Bridge;

/// <summary>The device came up again: boot <paramref name="Previous"/> ended and boot <paramref name="Current"/> began.</summary>
internal readonly record struct Reboot(uint Previous, uint Current);

/// <summary>Follows the device's boot id and says when it changes from a known one (a reboot). Not thread-safe.</summary>
internal sealed class BootTracker
{
    private uint? _last;

    /// <summary>Takes <paramref name="boot"/> as known without reporting it (a resumed session's last boot).</summary>
    public void Assume(uint? boot) => _last = boot;

    /// <summary>
    /// Notes the boot id as it is now; returns the reboot when it differs from the last one seen. The first boot seen,
    /// and an unknown (null) one, are no reboot.
    /// </summary>
    public Reboot? Observe(uint? boot)
    {
        if (boot is null || boot == _last)
        {
            return null;
        }

        uint? previous = _last;
        _last = boot;
        return previous is null ? null : new Reboot(previous.Value, boot.Value);
    }
}
