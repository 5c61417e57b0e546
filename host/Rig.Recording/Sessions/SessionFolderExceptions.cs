using System;
using System.IO;

namespace Rig.Recording.Sessions;

/// <summary>The session folder already exists: sessions are never overwritten.</summary>
public sealed class SessionFolderExistsException(string path)
    : Exception($"session folder '{path}' already exists; sessions are never overwritten: choose another --out")
{
    public string Path { get; } = path;
}

/// <summary>The folder is not a session folder (missing, or without session.json); nothing in it was changed.</summary>
public sealed class NotASessionFolderException(string path, string reason)
    : IOException($"'{path}' is not a session folder: {reason}")
{
    public string Path { get; } = path;
}

/// <summary>Another recorder holds the folder's recording lock: two recorders never write one session.</summary>
public sealed class SessionFolderInUseException(string path, string holder, Exception? inner = null)
    : IOException($"session folder '{path}' is being recorded by {holder}; one recorder at a time (stop that one first)", inner)
{
    public string Path { get; } = path;

    /// <summary>Who holds the lock, as the holder described itself.</summary>
    public string Holder { get; } = holder;
}
