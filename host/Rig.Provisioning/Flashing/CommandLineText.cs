using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Rig.Recording.Link;

namespace Rig.Provisioning.Flashing;

/// <summary>Prints an argument list as one POSIX shell line a person can paste; only for display, never executed.</summary>
public static class CommandLineText
{
    public static string Format(string program, IEnumerable<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        return string.Join(' ', new[] { program }.Concat(arguments).Select(Quote));
    }

    /// <summary>Leaves plain words alone; single-quotes anything else (a quote inside becomes '\'').</summary>
    public static string Quote(string argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        if (argument.Length > 0 && argument.All(IsPlain))
        {
            return argument;
        }

        var quoted = new StringBuilder("'");
        foreach (char c in argument)
        {
            quoted.Append(c == '\'' ? "'\\''" : c.ToString());
        }

        return quoted.Append('\'').ToString();
    }

    private static bool IsPlain(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' or '-' or '.' or '/' or ':' or '=' or '@' or '%' or '+' or ',';
}

/// <summary>
/// Replaces known secrets in text before it is printed: a second guard behind "never format a secret", for text rig does not
/// write itself (nanoff's output). Values shorter than <see cref="MinimumLength"/> are left alone: masking "pi" everywhere would
/// garble the output while hiding nothing worth hiding.
/// </summary>
public sealed class SecretMasker
{
    public const int MinimumLength = 4;

    private readonly string[] _secrets;

    public SecretMasker(IEnumerable<string?> secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        // Longest first, so a secret that contains another is masked whole.
        _secrets = [.. secrets.OfType<string>().Where(s => s.Length >= MinimumLength).Distinct(StringComparer.Ordinal).OrderByDescending(s => s.Length)];
    }

    public static SecretMasker None { get; } = new([]);

    public static SecretMasker For(MqttCredentials? credentials, WifiNetwork? wifi) =>
        new([credentials?.Username, credentials?.Password, wifi?.Password]);

    public string Mask(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (string secret in _secrets)
        {
            text = text.Replace(secret, MqttCredentials.Mask, StringComparison.Ordinal);
        }

        return text;
    }
}
