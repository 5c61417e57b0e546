// Reference declaration, compile check only (see CoreLibrary.cs). nanoFramework.System.Net: only the certificate type
// that appears (as null) in MqttClient's constructor. Source: github.com/nanoframework/System.Net,
// System.Security.Cryptography.X509Certificates.X509Certificate; M2Mqtt's MqttClient.cs imports that namespace.
#nullable disable

namespace System.Security.Cryptography.X509Certificates
{
    public class X509Certificate
    {
        private X509Certificate()
        {
        }
    }
}
