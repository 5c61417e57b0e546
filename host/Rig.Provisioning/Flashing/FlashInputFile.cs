using System;
using System.IO;
using Rig.Recording.Link;

namespace Rig.Provisioning.Flashing;

/// <summary>Reads a text input of <c>rig flash</c> (pin map, limits), turning a file that cannot be read into a <see cref="FlashInputException"/> naming it.</summary>
internal static class FlashInputFile
{
    /// <param name="what">What the file is, for the message: "pin map", "limits file".</param>
    public static string ReadText(string path, string what)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FlashInputException(path, $"{what} '{path}' cannot be read: {e.Message}");
        }
    }
}
