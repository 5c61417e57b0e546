using System;

namespace Rig.Recording.Bridge;

/// <summary>No status from the rig arrived in time: the device is off, on another broker, or has another rig id.</summary>
public sealed class DeviceNotFoundException(string rigId, string broker, TimeSpan waited, uint? staleBootId = null)
    : Exception(staleBootId is { } boot
        ? $"rig '{rigId}' on {broker} has an Online status (boot {boot:x8}) but did not answer a status request within {waited.TotalSeconds:0.#} s: the status is probably a stale retained one and the device is off or gone; is it powered and connected to this broker?"
        : $"no status from rig '{rigId}' on {broker} within {waited.TotalSeconds:0.#} s: is the device powered, connected to this broker, and configured with this rig id?")
{
    /// <summary>The boot id of an Online status that no live device confirmed, or null when no status came at all.</summary>
    public uint? StaleBootId { get; } = staleBootId;

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
