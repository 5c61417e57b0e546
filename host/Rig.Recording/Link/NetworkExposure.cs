using System;
using System.Net;

namespace Rig.Recording.Link;

/// <summary>
/// "Safe by default on a network" (docs/security.md): listeners bind to loopback unless told otherwise, and on any other
/// address a broker must require accounts, or the user must say <c>--insecure</c>. The same applies to a bridge that
/// connects to a broker elsewhere without logging in: the broker it reaches lets anyone command the rig.
/// </summary>
public static class NetworkExposure
{
    /// <summary>The option that accepts an open broker or an anonymous connection across the network.</summary>
    public const string InsecureOption = "--insecure";

    /// <summary>True for 127.0.0.0/8, ::1 and their IPv4-mapped forms: nothing outside this computer can connect there.</summary>
    public static bool IsLoopback(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return IPAddress.IsLoopback(address);
    }

    /// <summary>True for "localhost" and loopback addresses; any other host name counts as a network one (never resolved).</summary>
    public static bool IsLoopbackHost(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        string bare = host.Trim('[', ']');
        return string.Equals(bare, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(bare, out var ip) && IsLoopback(ip));
    }

    /// <summary>
    /// Why a bridge (or another recording client) must not connect without <c>--insecure</c>, or null when it may: the
    /// broker is on another computer and the client has no login, so that broker admits anyone (TLS alone hides the
    /// traffic but does not say who may command the rig).
    /// </summary>
    public static string? AnonymousClientProblem(BrokerAddress address, BrokerLogin login)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(login);
        if (address.IsLoopback || login.Credentials is not null)
        {
            return null;
        }

        return $"the broker {address} is on the network and no login is given: a broker that admits anonymous clients lets anyone " +
            "on the network command the rig's valve and forge its data. Give the bridge's account (--credentials FILE from `rig broker-config`, " +
            $"or ${BrokerLogin.CredentialsFileVariable}), or accept an open broker with {InsecureOption} (recorded in session.json)";
    }

    /// <summary>The warning printed at start when <c>--insecure</c> let an anonymous client connect across the network.</summary>
    public static string AnonymousClientWarning(BrokerAddress address) =>
        $"INSECURE: connecting to {address} without a login ({InsecureOption}): the broker admits anonymous clients, so anyone on the network " +
        "can command this rig and publish on its topics; this session records \"insecure\": true";

    /// <summary>
    /// Why a broker listening on <paramref name="address"/> without accounts must not start without <c>--insecure</c>, or
    /// null when it may (loopback, or accounts given). <paramref name="accountsOption"/> names how to give accounts.
    /// </summary>
    public static string? OpenListenerProblem(IPAddress address, bool hasAccounts, string accountsOption)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (hasAccounts || IsLoopback(address))
        {
            return null;
        }

        return $"listening on {address} without accounts would let anyone on the network log in, command any rig's valve and forge its data. " +
            $"Give {accountsOption} (a `rig broker-config` folder), listen on 127.0.0.1, or accept an open broker with {InsecureOption}";
    }

    /// <summary>The warning printed at start when <c>--insecure</c> opened a broker on the network.</summary>
    public static string OpenListenerWarning(IPAddress address) =>
        $"INSECURE: open broker on {address} ({InsecureOption}): anyone on the network can connect without a login, command any rig's valve and publish on any topic";
}

/// <summary>A listener or a client would be open to the network without accounts and without <c>--insecure</c>; nothing started.</summary>
public sealed class InsecureNetworkException : Exception
{
    public InsecureNetworkException()
    {
    }

    public InsecureNetworkException(string message)
        : base(message)
    {
    }

    public InsecureNetworkException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
