using System;

namespace Rig.Recording.Bridge;

/// <summary>No status from the rig arrived in time: the device is off, on another broker, or has another rig id.</summary>
public sealed class DeviceNotFoundException(string rigId, string broker, TimeSpan waited)
    : Exception($"no status from rig '{rigId}' on {broker} within {waited.TotalSeconds:0.#} s: is the device powered, connected to this broker, and configured with this rig id?")
{
    public string RigId { get; } = rigId;
}

/// <summary>Recording stopped before the session was ended (the journal could not be written).</summary>
public sealed class SessionRecordingException(string message, Exception innerException) : Exception(message, innerException);

/// <summary>A command got no acknowledgement in time. Its own type, so callers can tell it from other failures.</summary>
public sealed class CommandTimeoutException(string command, uint commandId, TimeSpan waited)
    : Exception($"no acknowledgement for {command} (id {commandId}) within {waited.TotalMilliseconds:0} ms")
{
    public uint CommandId { get; } = commandId;
}

/// <summary>`rig run --resume`: the folder cannot be continued (not a session, closed already, another rig).</summary>
public sealed class SessionResumeException(string path, string reason, Exception? inner = null)
    : Exception($"cannot resume session '{path}': {reason}", inner)
{
    public string Path { get; } = path;
}
