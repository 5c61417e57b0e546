using System;
using System.Collections.Generic;

namespace Rig.Host.Flashing;

/// <summary>nanoff cannot be found or run; the message says where it was looked for and how to install it.</summary>
public sealed class NanoffNotFoundException(string message) : Exception(message + " " + NanoffLocator.InstallHint)
{
}

/// <summary>
/// An input file of <c>rig flash</c> (pin map, credentials file) is unusable. The message names the file and, for a pin map,
/// every offending entry; it never quotes the content of a credentials file.
/// </summary>
public class FlashInputException(string path, string message) : Exception(message)
{
    /// <summary>The file that was read.</summary>
    public string Path { get; } = path;
}

/// <summary>A pin map that fails validation: <see cref="Errors"/> holds one line per problem, each naming its entry.</summary>
public sealed class PinMapException(string path, IReadOnlyList<string> errors)
    : FlashInputException(path, $"pin map '{path}' is invalid:" + Environment.NewLine + "  - " + string.Join(Environment.NewLine + "  - ", errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
