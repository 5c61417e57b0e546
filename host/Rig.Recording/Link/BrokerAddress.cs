using System;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Rig.Recording.Link;

/// <summary>
/// Where an MQTT broker listens: <c>mqtt://HOST[:PORT]</c> (plain TCP, default port 1883) or
/// <c>mqtts://HOST[:PORT]</c> (TLS, default port 8883). <see cref="ToString"/> gives the canonical URL, always with the port.
/// </summary>
public sealed record BrokerAddress
{
    public const string PlainScheme = "mqtt";
    public const string TlsScheme = "mqtts";
    public const int DefaultPlainPort = 1883;
    public const int DefaultTlsPort = 8883;

    private const string Expected = "expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT]";

    public BrokerAddress(string host, int port, bool useTls = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        // Host names are case-insensitive and IPv6 addresses have several spellings: one spelling keeps equality and ToString canonical.
        // (IPv4 is left alone: IPAddress.TryParse would turn a host named "10" into 0.0.0.10.)
        Host = host.Contains(':', StringComparison.Ordinal) && IPAddress.TryParse(host, out var ip) ? ip.ToString() : host.ToLowerInvariant();
        Port = port;
        UseTls = useTls;
    }

    /// <summary>"mqtt" or "mqtts".</summary>
    public string Scheme => UseTls ? TlsScheme : PlainScheme;

    /// <summary>A host name or an IP address, without brackets for IPv6.</summary>
    public string Host { get; }

    public int Port { get; }

    public bool UseTls { get; }

    /// <summary>
    /// True when the host is this computer by its own name: "localhost", 127.0.0.0/8 or ::1. Any other name is taken as
    /// a network address without resolving it (a name can resolve differently later; docs/security.md).
    /// </summary>
    public bool IsLoopback => NetworkExposure.IsLoopbackHost(Host);

    /// <summary>An address for a broker listening on <paramref name="address"/> (e.g. an embedded broker's bound address).</summary>
    public static BrokerAddress For(IPAddress address, int port, bool useTls = false)
    {
        ArgumentNullException.ThrowIfNull(address);
        return new BrokerAddress(address.ToString(), port, useTls);
    }

    /// <summary>Parses <c>mqtt://HOST[:PORT]</c> or <c>mqtts://HOST[:PORT]</c>; throws <see cref="BrokerUrlException"/> naming what is wrong.</summary>
    public static BrokerAddress Parse(string url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            throw new BrokerUrlException($"the broker URL is empty: {Expected}");
        }

        var text = url.Trim();
        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0)
        {
            throw new BrokerUrlException($"the broker URL '{text}' has no scheme: {Expected}");
        }

        var scheme = text[..schemeEnd].ToLowerInvariant();
        bool useTls;
        switch (scheme)
        {
            case PlainScheme:
                useTls = false;
                break;
            case TlsScheme:
                useTls = true;
                break;
            case "":
                throw new BrokerUrlException($"the broker URL '{text}' has an empty scheme: {Expected}");
            default:
                throw new BrokerUrlException($"the broker URL '{text}' has the unsupported scheme '{scheme}': {Expected}");
        }

        var rest = text[(schemeEnd + 3)..];

        var suffixStart = rest.IndexOfAny(['/', '?', '#']);
        var authority = suffixStart < 0 ? rest : rest[..suffixStart];
        if (suffixStart >= 0)
        {
            var suffix = rest[suffixStart..];

            // "mqtt://host/" is what many tools print for a root URL; a lone slash carries no path.
            if (suffix != "/")
            {
                var what = suffix[0] switch
                {
                    '?' => "a query",
                    '#' => "a fragment",
                    _ => "a path",
                };
                throw new BrokerUrlException($"the broker URL '{text}' has {what} ('{suffix}'), which a broker address cannot use: {Expected}");
            }
        }

        if (authority.Contains('@', StringComparison.Ordinal))
        {
            throw new BrokerUrlException(
                $"the broker URL '{text}' contains user info (the part before '@'); credentials do not belong in the URL: {Expected}");
        }

        var (host, portText) = SplitHostAndPort(text, authority);
        if (host.Length == 0)
        {
            throw new BrokerUrlException($"the broker URL '{text}' has an empty host: {Expected}");
        }

        if (Uri.CheckHostName(host) == UriHostNameType.Unknown)
        {
            throw new BrokerUrlException($"the broker URL '{text}' has the host '{host}', which is not a valid host name or IP address: {Expected}");
        }

        var port = useTls ? DefaultTlsPort : DefaultPlainPort;
        if (portText is not null)
        {
            if (portText.Length == 0 || !IsAllDigits(portText))
            {
                throw new BrokerUrlException($"the broker URL '{text}' has the port '{portText}', which is not a number: expected a port from 1 to 65535");
            }

            // Up to 5 digits cannot overflow int; longer digit strings are out of range anyway.
            port = portText.Length <= 5 ? int.Parse(portText, NumberStyles.None, CultureInfo.InvariantCulture) : int.MaxValue;
            if (port is < 1 or > 65535)
            {
                throw new BrokerUrlException($"the broker URL '{text}' has the port {portText}, which is outside 1-65535");
            }
        }

        return new BrokerAddress(host, port, useTls);
    }

    /// <summary>The canonical URL, e.g. <c>mqtt://127.0.0.1:1883</c> or <c>mqtts://[::1]:8883</c>.</summary>
    public override string ToString()
    {
        var host = IPAddress.TryParse(Host, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{Host}]" : Host;
        return string.Create(CultureInfo.InvariantCulture, $"{Scheme}://{host}:{Port}");
    }

    private static (string Host, string? Port) SplitHostAndPort(string url, string authority)
    {
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw new BrokerUrlException($"the broker URL '{url}' opens an IPv6 address with '[' but never closes it with ']': {Expected}");
            }

            var inside = authority[1..close];
            if (!IPAddress.TryParse(inside, out var ip) || ip.AddressFamily != AddressFamily.InterNetworkV6)
            {
                throw new BrokerUrlException($"the broker URL '{url}' has '{inside}' in brackets, which is not an IPv6 address: {Expected}");
            }

            var after = authority[(close + 1)..];
            if (after.Length == 0)
            {
                return (inside, null);
            }

            if (after[0] != ':')
            {
                throw new BrokerUrlException($"the broker URL '{url}' has '{after}' after the IPv6 address; only ':PORT' may follow it: {Expected}");
            }

            return (inside, after[1..]);
        }

        var colon = authority.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return (authority, null);
        }

        if (authority.IndexOf(':', colon + 1) >= 0)
        {
            throw new BrokerUrlException($"the broker URL '{url}' has more than one ':' in '{authority}'; write an IPv6 address in brackets, e.g. mqtt://[::1]:1883");
        }

        return (authority[..colon], authority[(colon + 1)..]);
    }

    private static bool IsAllDigits(string text)
    {
        foreach (var c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>A broker URL that <see cref="BrokerAddress.Parse"/> cannot accept; the message says what is wrong and what is expected.</summary>
public sealed class BrokerUrlException : FormatException
{
    public BrokerUrlException()
    {
    }

    public BrokerUrlException(string message)
        : base(message)
    {
    }

    public BrokerUrlException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
