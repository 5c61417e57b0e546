using System;
using System.IO;
using Rig.Host.Bridge;
using Rig.Host.Calibration;
using Rig.Host.Calibration.Run;
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

    /// <summary>`rig calibrate`: a bad input (duration above the hard maximum, zero pulses, a volume outside the calibrated range, a bad mass); nothing was sent or written.</summary>
    public const int CalibrationInput = 12;

    /// <summary>`rig calibrate`: the valve's calibration file cannot be read or is not valid; it was left unchanged.</summary>
    public const int CalibrationFileUnusable = 13;

    /// <summary>`rig calibrate`: the run stopped early (Ctrl-C, the device stopped acknowledging or refused a pulse, no mass); completed durations were kept.</summary>
    public const int CalibrationInterrupted = 14;

    /// <summary>`rig calibrate verify`: the weighed volume is outside the tolerance (FAIL); the result was stored.</summary>
    public const int VerificationFailed = 15;

    /// <summary>`rig run --resume`: the folder cannot be continued (not a session, closed with a summary, another rig); nothing was written.</summary>
    public const int SessionNotResumable = 24;

    /// <summary>Maps a known failure to its exit code and a one-line message; unknown exceptions are <see cref="Failure"/>.</summary>
    public static int For(Exception e) => e switch
    {
        BrokerUrlException => BadBrokerUrl,
        CalibrationFileException => CalibrationFileUnusable,
        CalibrationInputException or CalibrationRunInputException or OutsideCalibratedRangeException or ScaleException => CalibrationInput,
        BrokerUnreachableException => BrokerUnreachable,
        SessionFolderExistsException => SessionExists,
        SessionResumeException => SessionNotResumable,
        DeviceNotFoundException => DeviceNotFound,
        JournalFormatException or FileNotFoundException or DirectoryNotFoundException => JournalUnreadable,
        ProtocolException { Error: ProtocolError.InvalidRigId } => Usage,
        NanoffNotFoundException => NanoffNotFound,
        FlashInputException => InvalidInputFile,
        _ => Failure,
    };
}
