using System;
using System.IO;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Rig.TestSupport;

/// <summary>
/// A throwaway certificate authority and a broker certificate it signed for 127.0.0.1 and localhost, made at test time
/// and written as PEM files (what Mosquitto's cafile/certfile/keyfile take). Made with .NET's CertificateRequest rather
/// than openssl so the tests need no extra tool; docs/security.md gives the openssl commands for a lab.
/// </summary>
public sealed class TestCertificates
{
    private TestCertificates(string caFile, string certFile, string keyFile, string otherCaFile)
    {
        CaFile = caFile;
        CertFile = certFile;
        KeyFile = keyFile;
        OtherCaFile = otherCaFile;
    }

    /// <summary>The CA certificate that signed <see cref="CertFile"/>.</summary>
    public string CaFile { get; }

    /// <summary>The broker's certificate (subject alternative names: IP 127.0.0.1, DNS localhost).</summary>
    public string CertFile { get; }

    /// <summary>The broker's private key (PKCS#8 PEM).</summary>
    public string KeyFile { get; }

    /// <summary>A second, unrelated CA: trusting it must not make the broker's certificate trusted.</summary>
    public string OtherCaFile { get; }

    public static TestCertificates Create(string folder)
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Rig test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        serverRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var server = serverRequest.Create(ca, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(8));

        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var otherRequest = new CertificateRequest("CN=Some other CA", otherKey, HashAlgorithmName.SHA256);
        otherRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var other = otherRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        var certificates = new TestCertificates(
            Path.Combine(folder, "ca.pem"), Path.Combine(folder, "server.pem"), Path.Combine(folder, "server.key"), Path.Combine(folder, "other-ca.pem"));
        File.WriteAllText(certificates.CaFile, ca.ExportCertificatePem());
        File.WriteAllText(certificates.CertFile, server.ExportCertificatePem());
        File.WriteAllText(certificates.KeyFile, serverKey.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(certificates.OtherCaFile, other.ExportCertificatePem());
        return certificates;
    }
}
