using System;
using System.Collections.Generic;
using Rig.Recording.Link;

namespace Rig.Provisioning.Flashing;

/// <summary>nanoff cannot be found or run; the message says where it was looked for and how to install it.</summary>
public sealed class NanoffNotFoundException(string message) : Exception(message + " " + NanoffLocator.InstallHint)
{
}

/// <summary>A pin map that fails validation: <see cref="Errors"/> holds one line per problem, each naming its entry.</summary>
public sealed class PinMapException(string path, IReadOnlyList<string> errors)
    : FlashInputException(path, $"pin map '{path}' is invalid:" + Environment.NewLine + "  - " + string.Join(Environment.NewLine + "  - ", errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
