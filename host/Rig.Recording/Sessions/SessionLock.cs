using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;

namespace Rig.Recording.Sessions;

/// <summary>
/// A session folder's recording lock: recording.lock opened exclusively for as long as a recorder writes. On Linux .NET
/// takes an advisory flock on it, which the kernel drops when the process ends however it ends, so a SIGKILLed bridge
/// never leaves a folder locked. Who holds it is written beside it (recording.holder), because a file under an exclusive
/// lock cannot be read by the process that is refused. Both files are removed when the lock is released.
/// </summary>
public sealed class SessionLock : IDisposable
{
    public const string HolderFile = "recording.holder";

    private readonly FileStream _stream;
    private readonly string _holderPath;
    private bool _disposed;

    private SessionLock(FileStream stream, string holderPath)
    {
        _stream = stream;
        _holderPath = holderPath;
    }

    /// <summary>The lock file's path.</summary>
    public string Path => _stream.Name;

    internal static SessionLock Acquire(string lockPath, string holder)
    {
        string folder = System.IO.Path.GetDirectoryName(lockPath)!;
        string holderPath = System.IO.Path.Combine(folder, HolderFile);
        FileStream stream;
        try
        {
            stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (File.Exists(lockPath))
        {
            throw new SessionFolderInUseException(folder, ReadHolder(holderPath), e);
        }

        var description = string.Create(CultureInfo.InvariantCulture,
            $"{holder}, process {Environment.ProcessId} ({Process.GetCurrentProcess().ProcessName}) on {Environment.MachineName}, since {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss} UTC");
        File.WriteAllText(holderPath, description + "\n", new UTF8Encoding(false));
        return new SessionLock(stream, holderPath);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        // The holder file goes first, while the lock still keeps every other recorder out.
        File.Delete(_holderPath);
        File.Delete(_stream.Name);
        _stream.Dispose();
    }

    private static string ReadHolder(string holderPath)
    {
        try
        {
            return File.ReadAllText(holderPath).Trim();
        }
        catch (IOException)
        {
            // The holder is between taking the lock and writing its description (or is releasing it).
            return "another process (it has not said who it is yet)";
        }
    }
}
