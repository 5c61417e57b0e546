using System;

namespace Rig.Recording.Link;

/// <summary>
/// An input file of <c>rig flash</c> (pin map, credentials file) is unusable. The message names the file and, for a pin map,
/// every offending entry; it never quotes the content of a credentials file.
/// </summary>
public class FlashInputException(string path, string message) : Exception(message)
{
    /// <summary>The file that was read.</summary>
    public string Path { get; } = path;
}
