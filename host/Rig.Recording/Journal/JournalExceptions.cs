using System;
using System.IO;

namespace Rig.Recording.Journal;

/// <summary>A journal already exists where a new one was to be created. Journals are never overwritten or appended to.</summary>
public sealed class JournalExistsException : IOException
{
    public JournalExistsException()
    {
    }

    public JournalExistsException(string message)
        : base(message)
    {
    }

    public JournalExistsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    private JournalExistsException(string message, string path, Exception? innerException)
        : base(message, innerException)
    {
        Path = path;
    }

    /// <summary>The journal that is already there.</summary>
    public string? Path { get; }

    internal static JournalExistsException At(string path, Exception? innerException) =>
        new($"A session journal already exists at '{path}'; journals are never overwritten or appended to.", path, innerException);
}

/// <summary>
/// Writing the journal failed (disk full, I/O error). The inner exception is the original cause. The writer is unusable from
/// then on: records appended after the failure are refused rather than silently lost.
/// </summary>
public sealed class JournalWriteException : IOException
{
    public JournalWriteException()
    {
    }

    public JournalWriteException(string message)
        : base(message)
    {
    }

    public JournalWriteException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    private JournalWriteException(string message, string path, Exception innerException)
        : base(message, innerException)
    {
        Path = path;
    }

    public string? Path { get; }

    internal static JournalWriteException For(string path, Exception cause) =>
        new($"Writing the session journal '{path}' failed: {cause.Message} The journal accepts no more records.", path, cause);
}

/// <summary>A file is not a session journal this build can read: too short for the header, wrong magic, or an unknown format version.</summary>
public sealed class JournalFormatException : IOException
{
    public JournalFormatException()
    {
    }

    public JournalFormatException(string message)
        : base(message)
    {
    }

    public JournalFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    private JournalFormatException(string message, string path, string problem)
        : base(message)
    {
        Path = path;
        Problem = problem;
    }

    public string? Path { get; }

    /// <summary>What is wrong with the file, without the path.</summary>
    public string? Problem { get; }

    internal static JournalFormatException For(string path, string problem) =>
        new($"'{path}' is not a session journal: {problem}.", path, problem);
}
