using System;
using System.IO;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Rig.Recording.Link;

/// <summary>
/// How a link proves who it is and whom it trusts: an MQTT user name and password, and for <c>mqtts://</c> an optional CA
/// certificate (PEM) to trust besides the system's (a lab's own CA, or a self-signed broker). Not a record, so no
/// generated ToString can print the password; <see cref="ToString"/> masks it.
/// </summary>
public sealed class BrokerLogin
{
    /// <summary>Path of a credentials file <c>{"username": "...", "password": "..."}</c> (the format of <c>rig flash --credentials</c>).</summary>
    public const string CredentialsFileVariable = "RIG_MQTT_CREDENTIALS";

    /// <summary>User name, when no credentials file is given.</summary>
    public const string UsernameVariable = "RIG_MQTT_USERNAME";

    /// <summary>Password that goes with <see cref="UsernameVariable"/>.</summary>
    public const string PasswordVariable = "RIG_MQTT_PASSWORD";

    /// <summary>PEM file of the CA certificate(s) that signed the broker's certificate.</summary>
    public const string CaFileVariable = "RIG_MQTT_CA_FILE";

    public static readonly BrokerLogin Anonymous = new(null, null, null);

    public BrokerLogin(MqttCredentials? credentials, X509Certificate2Collection? trustedCas, string? caFile)
    {
        Credentials = credentials;
        TrustedCas = trustedCas;
        CaFile = caFile;
    }

    /// <summary>Null: connect without a user name.</summary>
    public MqttCredentials? Credentials { get; }

    /// <summary>Extra roots trusted for the broker's certificate; null: the system's trust store alone.</summary>
    public X509Certificate2Collection? TrustedCas { get; }

    /// <summary>Where <see cref="TrustedCas"/> came from, for messages.</summary>
    public string? CaFile { get; }

    /// <summary>
    /// The login from the command line, else from the environment (<see cref="CredentialsFileVariable"/>, or
    /// <see cref="UsernameVariable"/> and <see cref="PasswordVariable"/>; <see cref="CaFileVariable"/>). Passwords are
    /// never taken from the command line, where <c>ps</c> and the session's recorded command line would show them.
    /// </summary>
    /// <exception cref="FlashInputException">The credentials file is missing or invalid (the message names it, never its content).</exception>
    /// <exception cref="SecurityConfigException">The CA file is missing or holds no certificate.</exception>
    public static BrokerLogin Resolve(string? credentialsFile, string? caFile, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        MqttCredentials? credentials = null;
        credentialsFile = NullIfEmpty(credentialsFile) ?? NullIfEmpty(environment(CredentialsFileVariable));
        if (credentialsFile is not null)
        {
            credentials = CredentialsFile.Read(credentialsFile);
        }
        else if (NullIfEmpty(environment(UsernameVariable)) is { } username)
        {
            credentials = new MqttCredentials(username, environment(PasswordVariable));
        }
        else if (NullIfEmpty(environment(PasswordVariable)) is not null)
        {
            throw new FlashInputException(PasswordVariable, $"{PasswordVariable} is set but {UsernameVariable} is not: a password needs a user name");
        }

        caFile = NullIfEmpty(caFile) ?? NullIfEmpty(environment(CaFileVariable));
        return new BrokerLogin(credentials, caFile is null ? null : LoadCas(caFile), caFile);
    }

    /// <summary>The login from the process environment alone.</summary>
    public static BrokerLogin FromEnvironment() => Resolve(null, null, Environment.GetEnvironmentVariable);

    /// <summary>Reads every certificate of a PEM file.</summary>
    public static X509Certificate2Collection LoadCas(string path)
    {
        var cas = new X509Certificate2Collection();
        try
        {
            cas.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new SecurityConfigException(path, $"the CA file '{path}' cannot be read as PEM certificates: {e.Message}");
        }

        if (cas.Count == 0)
        {
            throw new SecurityConfigException(path, $"the CA file '{path}' holds no certificate (expected PEM blocks '-----BEGIN CERTIFICATE-----')");
        }

        return cas;
    }

    /// <summary>
    /// TLS server-certificate check: what the system trusts, or a chain to one of <see cref="TrustedCas"/>. The host name
    /// must match either way (a certificate for another host is never accepted).
    /// </summary>
    public bool ValidateServerCertificate(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (TrustedCas is null || certificate is null || errors != SslPolicyErrors.RemoteCertificateChainErrors)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(TrustedCas);

        // A lab CA rarely publishes revocation lists, and the broker's host is often offline from the internet.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var server = new X509Certificate2(certificate);
        return chain.Build(server);
    }

    public override string ToString() =>
        $"{(Credentials is null ? "anonymous" : Credentials.ToString())}{(CaFile is null ? "" : $", CA '{CaFile}'")}";

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
