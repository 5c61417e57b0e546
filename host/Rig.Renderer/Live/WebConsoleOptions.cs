using System;
using System.Text;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Rig.Recording.Broker;

namespace Rig.Renderer.Live;

/// <summary>What the web console shows (docs/console.md).</summary>
public sealed record WebConsoleOptions
{
    /// <summary>The rigs this process records, for <c>/</c> and <c>/rigs/{id}</c>; null: the recorded sessions only (`rig console`).</summary>
    public ConsoleHub? Hub { get; init; }

    /// <summary>The output folder whose sessions <c>/sessions</c> lists; null: no sessions page.</summary>
    public string? SessionsFolder { get; init; }

    /// <summary>Who may open the console; required on any address but loopback. Null: no login (loopback only).</summary>
    public ConsoleLogin? Login { get; init; }
}

/// <summary>
/// The console's login: HTTP Basic against a password file in the broker's format (Mosquitto's "$7$" PBKDF2-SHA512 lines,
/// as `rig broker-config` writes them), checked with <see cref="BrokerAccounts.Authenticate"/>. Basic sends the password
/// on every request in the clear: on a lab network the console is as private as that network (docs/console.md).
/// </summary>
public sealed class ConsoleLogin
{
    private const string Realm = "rig console";

    private readonly BrokerAccounts _accounts;

    private ConsoleLogin(BrokerAccounts accounts, string file)
    {
        _accounts = accounts;
        File = file;
    }

    /// <summary>The password file the accounts came from.</summary>
    public string File { get; }

    /// <summary>Reads the accounts; <see cref="Rig.Recording.Link.SecurityConfigException"/> names a bad file or line.</summary>
    public static ConsoleLogin Load(string passwordFile) => new(BrokerAccounts.LoadPasswordFile(passwordFile), passwordFile);

    /// <summary>True when the request carries a valid account's name and password.</summary>
    public bool Admits(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        string header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
        }
        catch (FormatException)
        {
            return false; // not base64: refused like a wrong password
        }

        int colon = decoded.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && _accounts.Authenticate(decoded[..colon], decoded[(colon + 1)..]);
    }

    /// <summary>Answers 401 with the challenge that makes a browser ask for the account.</summary>
    public static Task ChallengeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = $"Basic realm=\"{Realm}\", charset=\"UTF-8\"";
        return context.Response.WriteAsync("the rig console needs a login");
    }
}
