using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using Rig.Recording.Link;

namespace Rig.Recording.Broker;

/// <summary>
/// The accounts of a <c>rig broker-config</c> folder, for the embedded broker: who may log in (<c>passwd</c>, Mosquitto 2.x
/// "$7$" PBKDF2-HMAC-SHA512 lines) and what each account may publish and subscribe (<c>acl</c>, <c>user</c> blocks of
/// <c>topic read|write|readwrite PATTERN</c> lines). Only the parts of Mosquitto's formats that broker-config writes are
/// accepted; anything else is refused with the file and line, so a hand-edited file never loosens access by being misread.
/// </summary>
/// <remarks>
/// Rules (docs/security.md): a publish is allowed when its topic matches one of the account's write patterns (MQTT
/// wildcard matching). A subscription is allowed only when one read pattern covers the whole filter, i.e. every topic
/// the filter can match is readable: <c>rig/v1/+/events</c> is covered by <c>rig/v1/#</c>, but <c>#</c> is covered by
/// nothing narrower than <c>#</c>. That keeps the check at subscribe time sufficient: nothing is filtered at delivery.
/// </remarks>
public sealed class BrokerAccounts
{
    public const string PasswordFileName = "passwd";
    public const string AclFileName = "acl";

    private const int HashBytes = 64;

    private readonly Dictionary<string, PasswordHash> _passwords;
    private readonly Dictionary<string, Access> _access;

    // Hashed for a user name that is not in the file, so a wrong name costs as long as a wrong password: 101 iterations,
    // what broker-config and mosquitto_passwd write (MosquittoConfig.HashIterations, in a project this one does not reference).
    private readonly PasswordHash _decoy = new(101, new byte[12], new byte[HashBytes]);

    private BrokerAccounts(string folder, Dictionary<string, PasswordHash> passwords, Dictionary<string, Access> access)
    {
        Folder = folder;
        _passwords = passwords;
        _access = access;
    }

    /// <summary>The folder the accounts were read from.</summary>
    public string Folder { get; }

    /// <summary>Every account name, in file order of the password file.</summary>
    public IReadOnlyCollection<string> Users => _passwords.Keys;

    /// <summary>Reads <c>passwd</c> and <c>acl</c> from a <c>rig broker-config</c> folder.</summary>
    /// <exception cref="SecurityConfigException">A file is missing or a line is not understood; the message names file and line.</exception>
    public static BrokerAccounts Load(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        folder = Path.GetFullPath(folder);
        if (!Directory.Exists(folder))
        {
            throw new SecurityConfigException(folder, $"the accounts folder '{folder}' does not exist (write one with `rig broker-config --rigs ... --out {folder}`)");
        }

        string passwdFile = Path.Combine(folder, PasswordFileName);
        string aclFile = Path.Combine(folder, AclFileName);
        var passwords = ReadPasswords(passwdFile);
        var access = ReadAcl(aclFile);
        foreach (var user in access.Keys.Where(u => !passwords.ContainsKey(u)))
        {
            // Not an error for Mosquitto either, but the account could never log in: a sign the two files do not belong together.
            throw new SecurityConfigException(aclFile, $"{aclFile}: the acl names user '{user}', who has no line in {passwdFile}");
        }

        return new BrokerAccounts(folder, passwords, access);
    }

    /// <summary>
    /// Reads a <c>passwd</c> file alone, with the same format and checks as <see cref="Load"/>: the web console's logins
    /// (docs/console.md), which need no topic rights. No account may publish or subscribe through the result.
    /// </summary>
    /// <exception cref="SecurityConfigException">The file is missing, empty of accounts, or a line is not understood.</exception>
    public static BrokerAccounts LoadPasswordFile(string file)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(file);
        var passwords = ReadPasswords(file);
        if (passwords.Count == 0)
        {
            throw new SecurityConfigException(file, $"{file}: holds no account (expected 'user:$7$iterations$salt$hash' lines, as `rig broker-config` writes them)");
        }

        return new BrokerAccounts(Path.GetDirectoryName(Path.GetFullPath(file)) ?? ".", passwords, new Dictionary<string, Access>(StringComparer.Ordinal));
    }

    /// <summary>True when <paramref name="user"/> exists and <paramref name="password"/> is its password (fixed-time compare).</summary>
    public bool Authenticate(string? user, string? password)
    {
        bool known = user is not null && _passwords.ContainsKey(user);
        var stored = known ? _passwords[user!] : _decoy;
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password ?? ""), stored.Salt, stored.Iterations, HashAlgorithmName.SHA512, HashBytes);
        bool same = CryptographicOperations.FixedTimeEquals(hash, stored.Hash);
        return known && password is not null && same;
    }

    /// <summary>True when <paramref name="user"/> may publish to <paramref name="topic"/> (a topic name, no wildcards).</summary>
    public bool MayPublish(string? user, string topic) =>
        user is not null && _access.TryGetValue(user, out var access) && !MqttTopicPattern.HasWildcard(topic)
        && access.Write.Any(pattern => MqttTopicPattern.Matches(pattern, topic));

    /// <summary>True when <paramref name="user"/> may subscribe to <paramref name="filter"/>: one read pattern covers all of it.</summary>
    public bool MaySubscribe(string? user, string filter) =>
        user is not null && _access.TryGetValue(user, out var access) && MqttTopicPattern.IsValidFilter(filter)
        && access.Read.Any(pattern => MqttTopicPattern.Covers(pattern, filter));

    private static Dictionary<string, PasswordHash> ReadPasswords(string file)
    {
        var result = new Dictionary<string, PasswordHash>(StringComparer.Ordinal);
        int number = 0;
        foreach (var raw in ReadLines(file))
        {
            number++;
            string line = raw.TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            string where = $"{file} line {number.ToString(CultureInfo.InvariantCulture)}";
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new SecurityConfigException(file, $"{where}: expected 'user:$7$iterations$salt$hash' (as `rig broker-config` writes it)");
            }

            string user = line[..colon];
            string[] parts = line[(colon + 1)..].Split('$');

            // "$7$101$salt$hash" splits into "", "7", "101", salt, hash.
            if (parts.Length != 5 || parts[0].Length != 0 || parts[1] != "7")
            {
                throw new SecurityConfigException(file, $"{where}: user '{user}' has a password hash that is not Mosquitto 2's '$7$' (PBKDF2-SHA512) format, the only one supported");
            }

            if (!int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out int iterations) || iterations < 1)
            {
                throw new SecurityConfigException(file, $"{where}: user '{user}' has the iteration count '{parts[2]}', not a positive number");
            }

            byte[] salt, hash;
            try
            {
                salt = Convert.FromBase64String(parts[3]);
                hash = Convert.FromBase64String(parts[4]);
            }
            catch (FormatException)
            {
                throw new SecurityConfigException(file, $"{where}: user '{user}' has a salt or hash that is not base64");
            }

            if (hash.Length != HashBytes || salt.Length == 0)
            {
                throw new SecurityConfigException(file, $"{where}: user '{user}' has a {hash.Length}-byte hash (SHA-512 gives {HashBytes}) or an empty salt");
            }

            if (!result.TryAdd(user, new PasswordHash(iterations, salt, hash)))
            {
                throw new SecurityConfigException(file, $"{where}: user '{user}' is listed twice");
            }
        }

        if (result.Count == 0)
        {
            throw new SecurityConfigException(file, $"{file} holds no account: nobody could log in");
        }

        return result;
    }

    private static Dictionary<string, Access> ReadAcl(string file)
    {
        var result = new Dictionary<string, Access>(StringComparer.Ordinal);
        Access? current = null;
        int number = 0;
        foreach (var raw in ReadLines(file))
        {
            number++;
            string line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            string where = $"{file} line {number.ToString(CultureInfo.InvariantCulture)}";
            string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            switch (words[0])
            {
                case "user" when words.Length == 2:
                    if (result.ContainsKey(words[1]))
                    {
                        throw new SecurityConfigException(file, $"{where}: 'user {words[1]}' appears twice; give each account one block");
                    }

                    current = new Access();
                    result[words[1]] = current;
                    break;
                case "topic" when words.Length is 2 or 3:
                    if (current is null)
                    {
                        // Mosquitto applies these to anonymous clients, whom the embedded broker with accounts never admits.
                        throw new SecurityConfigException(file, $"{where}: a topic line before any 'user' line (anonymous access) is not supported");
                    }

                    string access = words.Length == 3 ? words[1] : "readwrite";
                    string pattern = words[^1];
                    if (!MqttTopicPattern.IsValidFilter(pattern))
                    {
                        throw new SecurityConfigException(file, $"{where}: '{pattern}' is not a valid MQTT topic pattern ('+' and '#' fill whole levels, '#' only last)");
                    }

                    if (access is not ("read" or "write" or "readwrite"))
                    {
                        throw new SecurityConfigException(file, $"{where}: access '{access}' is not supported (read, write or readwrite)");
                    }

                    if (access is "read" or "readwrite")
                    {
                        current.Read.Add(pattern);
                    }

                    if (access is "write" or "readwrite")
                    {
                        current.Write.Add(pattern);
                    }

                    break;
                default:
                    throw new SecurityConfigException(file, $"{where}: '{line}' is not supported here (only 'user NAME' and 'topic read|write|readwrite PATTERN' lines, as `rig broker-config` writes them)");
            }
        }

        return result;
    }

    private static string[] ReadLines(string file)
    {
        try
        {
            return File.ReadAllLines(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SecurityConfigException(file, $"cannot read {file}: {e.Message}");
        }
    }

    private sealed record PasswordHash(int Iterations, byte[] Salt, byte[] Hash);

    private sealed class Access
    {
        public List<string> Read { get; } = [];

        public List<string> Write { get; } = [];
    }
}

/// <summary>MQTT topic patterns: matching a topic name, and whether one pattern covers every topic of another filter.</summary>
public static class MqttTopicPattern
{
    public static bool HasWildcard(string topic) => topic.Contains('+', StringComparison.Ordinal) || topic.Contains('#', StringComparison.Ordinal);

    /// <summary>A non-empty filter whose '+' and '#' each fill a whole level, '#' only as the last.</summary>
    public static bool IsValidFilter(string filter)
    {
        if (string.IsNullOrEmpty(filter))
        {
            return false;
        }

        string[] levels = filter.Split('/');
        for (int i = 0; i < levels.Length; i++)
        {
            string level = levels[i];
            if ((level.Contains('#', StringComparison.Ordinal) && (level != "#" || i != levels.Length - 1))
                || (level.Contains('+', StringComparison.Ordinal) && level != "+"))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when the topic name <paramref name="topic"/> matches <paramref name="pattern"/>.</summary>
    public static bool Matches(string pattern, string topic) => !HasWildcard(topic) && Covers(pattern, topic);

    /// <summary>
    /// True when every topic that <paramref name="filter"/> matches also matches <paramref name="pattern"/> (a topic name
    /// is a filter without wildcards). As in MQTT, a leading wildcard never matches topics that start with '$'.
    /// </summary>
    public static bool Covers(string pattern, string filter)
    {
        string[] p = pattern.Split('/');
        string[] f = filter.Split('/');
        if (f[0].StartsWith('$') && p[0] is ("+" or "#"))
        {
            return false;
        }

        for (int i = 0; ; i++)
        {
            if (i < p.Length && p[i] == "#")
            {
                // '#' covers the rest, and also its parent level: "a/#" matches "a".
                return true;
            }

            if (i == f.Length || i == p.Length)
            {
                // Covered only when both end together (a pattern continuing with "/#" returned above).
                return i == f.Length && i == p.Length;
            }

            bool levelCovered = f[i] switch
            {
                "#" => false,
                "+" => p[i] == "+",
                _ => p[i] == "+" || p[i] == f[i],
            };
            if (!levelCovered)
            {
                return false;
            }
        }
    }
}
