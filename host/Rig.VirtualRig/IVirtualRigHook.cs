using Rig.Firmware;
using Rig.Protocol;

namespace Rig.VirtualRig;

/// <summary>Runs beside a virtual rig's simulation loop, on its thread, in device time (the lockstep task driver).</summary>
public interface IVirtualRigHook
{
    /// <summary>A message the device just published (a copy).</summary>
    void OnPublished(TopicKind topic, byte[] payload);

    /// <summary>The device finished its poll at <paramref name="deviceNowMicros"/>; commands offered now run at the next tick.</summary>
    void OnTick(ulong deviceNowMicros, RigDevice device);

    /// <summary>The run is over (before the final flush); last commands offered now run while the device drains.</summary>
    void OnRunEnd(ulong deviceNowMicros, RigDevice device);
}
