using System;
using System.IO;
using Rig.Host.Bridge;
using Rig.Host.Flashing;
using Rig.Host.Journal;
using Rig.Host.Link;
using Rig.Protocol;

namespace Rig.Cli;

/// <summary>The `rig` exit codes (docs/cli.md). Stable: scripts depend on them.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>An unexpected failure; the message says what happened.</summary>
    public const int Failure = 1;

    /// <summary>Bad arguments (unknown option, value out of range, invalid rig id).</summary>
    public const int Usage = 2;

    /// <summary>The broker URL is malformed.</summary>
    public const int BadBrokerUrl = 3;

    /// <summary>The broker could not be reached.</summary>
    public const int BrokerUnreachable = 4;

    /// <summary>The session folder exists already (sessions are never overwritten).</summary>
    public const int SessionExists = 5;

    /// <summary>The rig did not announce itself on the broker in time.</summary>
    public const int DeviceNotFound = 6;

    /// <summary>The session was recorded but is incomplete: events or batches are missing that the device did not account for.</summary>
    public const int SessionIncomplete = 7;

    /// <summary>A session folder or journal could not be read.</summary>
    public const int JournalUnreadable = 8;

    /// <summary>`rig flash`: nanoff is not installed (the message gives the install command, dotnet tool install -g nanoff).</summary>
    public const int NanoffNotFound = 9;

    /// <summary>`rig flash`: a nanoff run failed; the message names the step, nanoff's exit code and its last output lines.</summary>
    public const int FlashStepFailed = 10;

    /// <summary>`rig flash`: the pin map or the credentials file is missing or invalid; the message names the file and the entry.</summary>
    public const int InvalidInputFile = 11;

    /// <summary>Maps a known failure to its exit code and a one-line message; unknown exceptions are <see cref="Failure"/>.</summary>
    public static int For(Exception e) => e switch
    {
        BrokerUrlException => BadBrokerUrl,
        BrokerUnreachableException => BrokerUnreachable,
        SessionFolderExistsException => SessionExists,
        DeviceNotFoundException => DeviceNotFound,
        JournalFormatException or FileNotFoundException or DirectoryNotFoundException => JournalUnreadable,
        ProtocolException { Error: ProtocolError.InvalidRigId } => Usage,
        NanoffNotFoundException => NanoffNotFound,
        FlashInputException => InvalidInputFile,
        _ => Failure,
    };
}
