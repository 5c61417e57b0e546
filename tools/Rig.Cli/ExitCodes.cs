using System;
using System.IO;
using Rig.Recording.Bridge;
using Rig.Recording.Sessions;
using Rig.Recording.Calibration;
using Rig.Provisioning.Calibration.Run;
using Rig.Analysis.Export;
using Rig.Provisioning.Flashing;
using Rig.Recording.Journal;
using Rig.Recording.Link;
using Rig.Protocol;

namespace Rig.Cli;

/// <summary>The `rig` exit codes (docs/cli.md). Stable: scripts depend on them.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>An unexpected failure; the message says what happened.</summary>
    public const int Failure = 1;

    /// <summary>Bad arguments (unknown option, value out of range, invalid rig id; a broker or a bridge that would be open to the
    /// network without accounts or a login and without --insecure; a web console on a network address without --console-login).</summary>
    public const int Usage = 2;

    /// <summary>The broker URL is malformed.</summary>
    public const int BadBrokerUrl = 3;

    /// <summary>The broker could not be reached.</summary>
    public const int BrokerUnreachable = 4;

    /// <summary>The session folder exists already (sessions are never overwritten).</summary>
    public const int SessionExists = 5;

    /// <summary>The rig did not announce itself on the broker in time.</summary>
    public const int DeviceNotFound = 6;

    /// <summary>The session was recorded but is incomplete: events or batches are missing that the device did not account for
    /// (`rig decode`: or the session was never closed).</summary>
    public const int SessionIncomplete = 7;

    /// <summary>A session folder or journal could not be read.</summary>
    public const int JournalUnreadable = 8;

    /// <summary>`rig flash`: nanoff is not installed (the message gives the install command, dotnet tool install -g nanoff).</summary>
    public const int NanoffNotFound = 9;

    /// <summary>`rig flash`: a nanoff run failed; the message names the step, nanoff's exit code and its last output lines.</summary>
    public const int FlashStepFailed = 10;

    /// <summary>`rig flash`: the pin map or the credentials file is missing or invalid; the message names the file and the entry.</summary>
    public const int InvalidInputFile = 11;

    /// <summary>`rig calibrate`: a bad input (duration above the hard maximum, zero pulses, a volume outside the calibrated range, a bad mass, a balance port that cannot be opened or a bad framing); nothing was sent or written.</summary>
    public const int CalibrationInput = 12;

    /// <summary>`rig calibrate`: the valve's calibration file cannot be read or is not valid; it was left unchanged.</summary>
    public const int CalibrationFileUnusable = 13;

    /// <summary>`rig calibrate`: the run stopped early (Ctrl-C, the device stopped acknowledging or refused a pulse, no mass); completed durations were kept.</summary>
    public const int CalibrationInterrupted = 14;

    /// <summary>`rig calibrate verify`: the weighed volume is outside the tolerance (FAIL); the result was stored.</summary>
    public const int VerificationFailed = 15;

    /// <summary>`rig demo --protocol`, `rig cohort`: the protocol file is invalid (the message names file, line and field) or not found; nothing started.</summary>
    public const int ProtocolInvalid = 16;

    /// <summary>`rig demo --protocol`: the task table rebuilt from the journal differs from the live one (the session is kept).</summary>
    public const int TaskReplayMismatch = 17;

    /// <summary>`rig export`/`rig report`: a session cannot be exported (no task tables, a malformed table, two folders with one session key); nothing was written.</summary>
    public const int ExportInput = 18;

    /// <summary>`rig export`/`rig report`: an output file exists already (exports never write over earlier files); nothing was written.</summary>
    public const int ExportOutputExists = 19;

    /// <summary>`rig loopback` (and `rig run --preflight`): the loopback ran and FAILED a threshold, or the device refused the pulse train; the report says which.</summary>
    public const int LoopbackFailed = 20;

    /// <summary>`rig loopback` (and `rig run --preflight`): the output pulsed but no edge came back on the input (a disconnected wire); the message names the channel.</summary>
    public const int LoopbackNoEdges = 21;

    /// <summary>The broker refused the login (missing or wrong user name or password, not authorised) or the TLS handshake failed (certificate not trusted or not for this host); docs/security.md.</summary>
    public const int BrokerAccessDenied = 22;

    /// <summary>A security input is unusable: the CA file cannot be read, or `rig broker-config` got bad rig ids, TLS files or an existing folder; nothing was written.</summary>
    public const int SecurityConfigInvalid = 23;

    /// <summary>`rig run --resume`: the folder cannot be continued (not a session, closed with a summary, another rig); nothing was written.</summary>
    public const int SessionNotResumable = 24;

    /// <summary>`rig run --resume` (or any recorder): another recorder holds the session folder's lock; the message names it. Nothing was written.</summary>
    public const int SessionFolderInUse = 25;

    /// <summary>`rig run --protocol`, `rig demo --protocol`: the protocol rewards but the valve has no usable calibration curve, or its
    /// volume_ul is outside the curve's calibrated range; the message names the rig, valve, file and the fix (`rig calibrate`, `--calibration FILE`
    /// or `--uncalibrated`). Nothing started, no folder was created.</summary>
    public const int RewardNotCalibrated = 26;

    /// <summary>A recorder stopped recording before the session was ended (the journal could not be written, or an unexpected
    /// failure in its receive loop); the session was closed: the journal holds everything up to the failure and summary.json
    /// names the cause (`failure`).</summary>
    public const int RecordingFailed = 27;

    /// <summary>`rig subject`, and a session's subject: the registry refused (an unknown mouse, an id already added, a weight
    /// or water outside the plausible range, a subject file that cannot be read); nothing was changed.</summary>
    public const int SubjectRegistry = 28;

    /// <summary>Maps a known failure to its exit code and a one-line message; unknown exceptions are <see cref="Failure"/>.</summary>
    public static int For(Exception e) => e switch
    {
        BrokerUrlException => BadBrokerUrl,
        ExportInputException => ExportInput,
        ExportOutputExistsException => ExportOutputExists,
        RewardCalibrationException => RewardNotCalibrated,
        CalibrationFileException => CalibrationFileUnusable,
        CalibrationInputException or CalibrationRunInputException or OutsideCalibratedRangeException or ScaleException => CalibrationInput,
        BrokerUnreachableException { InnerException: not null } when MqttLink.IsSecurityFailure(e) => BrokerAccessDenied,
        SecurityConfigException => SecurityConfigInvalid,
        BrokerUnreachableException => BrokerUnreachable,
        SessionFolderExistsException => SessionExists,
        SessionResumeException => SessionNotResumable,
        SessionFolderInUseException => SessionFolderInUse,
        DeviceNotFoundException => DeviceNotFound,
        SessionRecordingException => RecordingFailed,
        JournalFormatException or NotASessionFolderException or FileNotFoundException or DirectoryNotFoundException => JournalUnreadable,
        ProtocolException { Error: ProtocolError.InvalidRigId } => Usage,
        Rig.Provisioning.Loopback.LoopbackInputException => Usage,
        Commands.DemoUsageException => Usage,
        SessionBlockTakenException => Usage,
        SubjectRegistryException => SubjectRegistry,
        Commands.WebConsoleUsageException => Usage,
        InsecureNetworkException => Usage,
        Rig.Provisioning.Loopback.LoopbackRefusedException => LoopbackFailed,
        NanoffNotFoundException => NanoffNotFound,
        FlashInputException => InvalidInputFile,
        Rig.Experiment.Tasks.ProtocolFileException => ProtocolInvalid,
        _ => Failure,
    };
}
