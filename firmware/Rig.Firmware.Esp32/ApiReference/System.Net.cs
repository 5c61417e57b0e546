// Reference declaration, compile check only (README.md in this folder). nanoFramework.System.Net: the certificate type of
// MqttClient's constructor and its nanoFramework-only constructor from a DER or PEM string. Source:
// github.com/nanoframework/System.Net, System.Security.Cryptography.X509Certificates.X509Certificate
// (X509Certificate(string certificate): "Supported formats: DER and PEM"); M2Mqtt's MqttClient.cs imports that namespace.
#nullable disable

namespace System.Security.Cryptography.X509Certificates
{
    public class X509Certificate
    {
        public X509Certificate(string certificate)
        {
        }
    }
}
