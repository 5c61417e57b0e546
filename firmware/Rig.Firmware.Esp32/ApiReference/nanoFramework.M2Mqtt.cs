// Reference declaration, compile check only (README.md in this folder). nanoFramework.M2Mqtt 5.1 (assemblies
// nanoFramework.M2Mqtt and nanoFramework.M2Mqtt.Core). Sources: github.com/nanoframework/nanoFramework.m2mqtt,
// M2Mqtt/MqttClient.cs (ctor(string, int, bool, X509Certificate, X509Certificate, MqttSslProtocols), the 10-argument
// Connect, Subscribe, the 6-argument Publish, Close, IsConnected, the MqttMsgPublishReceived and ConnectionClosed
// events typed with IMqttClient's delegates), M2Mqtt/MqttSettings.cs (Instance, InflightQueueSize),
// nanoFramework.M2Mqtt.Core/IMqttClient.cs (the nested delegates), MqttSslProtocols.cs, Messages/MqttQoSLevel.cs,
// Messages/MqttReasonCode.cs, Messages/MqttMsgPublishEventArgs.cs, Exceptions/MqttClientException.cs.
// MqttClient also implements IMqttClient and IDisposable; their members the firmware does not call are left out.
#nullable disable

namespace nanoFramework.M2Mqtt
{
    using System;
    using System.Collections;
    using System.Security.Cryptography.X509Certificates;
    using nanoFramework.M2Mqtt.Messages;

    public interface IMqttClient
    {
        public delegate void MqttMsgPublishEventHandler(object sender, MqttMsgPublishEventArgs e);

        public delegate void ConnectionClosedEventHandler(object sender, EventArgs e);
    }

    public class MqttClient : IMqttClient
    {
        public MqttClient(string brokerHostName, int brokerPort, bool secure, X509Certificate caCert, X509Certificate clientCert, MqttSslProtocols sslProtocol) { throw new NotImplementedException(); }

        public event IMqttClient.MqttMsgPublishEventHandler MqttMsgPublishReceived
        {
            add { throw new NotImplementedException(); }
            remove { throw new NotImplementedException(); }
        }

        public event IMqttClient.ConnectionClosedEventHandler ConnectionClosed
        {
            add { throw new NotImplementedException(); }
            remove { throw new NotImplementedException(); }
        }

        public bool IsConnected
        {
            get { throw new NotImplementedException(); }
        }

        public MqttReasonCode Connect(string clientId, string username, string password, bool willRetain, MqttQoSLevel willQosLevel, bool willFlag, string willTopic, string willMessage, bool cleanSession, ushort keepAlivePeriod) { throw new NotImplementedException(); }

        public ushort Subscribe(string[] topics, MqttQoSLevel[] qosLevels) { throw new NotImplementedException(); }

        public ushort Publish(string topic, byte[] message, string contentType, ArrayList userProperties, MqttQoSLevel qosLevel, bool retain) { throw new NotImplementedException(); }

        public void Close() { throw new NotImplementedException(); }
    }

    public class MqttSettings
    {
        private MqttSettings()
        {
        }

        public static MqttSettings Instance
        {
            get { throw new NotImplementedException(); }
        }

        public int InflightQueueSize
        {
            get { throw new NotImplementedException(); }
            set { throw new NotImplementedException(); }
        }
    }

    public enum MqttSslProtocols
    {
        None,
        SSLv3,
        TLSv1_0,
        TLSv1_1,
        TLSv1_2,
    }
}

namespace nanoFramework.M2Mqtt.Messages
{
    using System;

    public enum MqttQoSLevel
    {
        AtMostOnce = 0x00,
        AtLeastOnce = 0x01,
        ExactlyOnce = 0x02,
        GrantedFailure = 0x80,
    }

    // Only the member the firmware tests; the real enum lists every MQTT 3.1.1 and 5.0 reason code.
    public enum MqttReasonCode
    {
        Success = 0x00,
    }

    public class MqttMsgPublishEventArgs : EventArgs
    {
        private MqttMsgPublishEventArgs()
        {
        }

        public string Topic
        {
            get { throw new NotImplementedException(); }
        }

        public byte[] Message
        {
            get { throw new NotImplementedException(); }
        }
    }
}

namespace nanoFramework.M2Mqtt.Exceptions
{
    using System;

    public class MqttClientException : Exception
    {
        private MqttClientException()
        {
        }
    }
}
