using System;
using System.CommandLine;
using Rig.Recording.Link;

namespace Rig.Cli;

/// <summary>
/// The broker login options of commands that connect (docs/security.md). A password is never an option: it would show
/// in <c>ps</c> and in the command line a session records; it comes from a file or the environment.
/// </summary>
internal static class SecurityOptions
{
    public static Option<string?> Credentials() => new("--credentials")
    {
        Description = $"MQTT login file {{\"username\": ..., \"password\": ...}} (chmod 600); else ${BrokerLogin.CredentialsFileVariable}, or ${BrokerLogin.UsernameVariable} and ${BrokerLogin.PasswordVariable}",
    };

    public static Option<string?> CaFile() => new("--ca-file")
    {
        Description = $"PEM file of the CA that signed the broker's certificate, for mqtts:// (else ${BrokerLogin.CaFileVariable}, else the system's trust store)",
    };

    public static Option<bool> Insecure() => new(NetworkExposure.InsecureOption)
    {
        Description = "Allow connecting to a broker on the network without a login (anyone there can command the rig); warned at start, recorded in session.json",
    };

    /// <summary>
    /// Refuses (<see cref="InsecureNetworkException"/>, before anything connects) an anonymous connection to a broker on
    /// the network unless <paramref name="insecure"/>; with it, prints the warning. Returns true when the connection is an
    /// insecure one that <c>--insecure</c> let through (what session.json records).
    /// </summary>
    public static bool CheckAnonymousClient(string command, BrokerAddress address, BrokerLogin login, bool insecure)
    {
        if (NetworkExposure.AnonymousClientProblem(address, login) is not { } problem)
        {
            return false;
        }

        if (!insecure)
        {
            throw new InsecureNetworkException(problem);
        }

        Console.Error.WriteLine($"rig {command}: {NetworkExposure.AnonymousClientWarning(address)}");
        return true;
    }

    public static BrokerLogin Resolve(string? credentialsFile, string? caFile) =>
        BrokerLogin.Resolve(credentialsFile, caFile, Environment.GetEnvironmentVariable);
}
