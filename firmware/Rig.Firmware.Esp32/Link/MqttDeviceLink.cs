namespace Rig.Firmware.Esp32.Link
{
    using System;
    using System.Security.Cryptography.X509Certificates;
    using System.Threading;
    using nanoFramework.M2Mqtt;
    using nanoFramework.M2Mqtt.Exceptions;
    using nanoFramework.M2Mqtt.Messages;
    using nanoFramework.Networking;
    using Rig.Firmware.Esp32.Native;
    using Rig.Firmware.Hardware;
    using Rig.Firmware.Link;
    using Rig.Protocol;

    /// <summary>
    /// The device's MQTT connection (nanoFramework.M2Mqtt). A thread of its own runs the firmware core's
    /// <see cref="LinkSupervisor"/>, which connects, subscribes to the command topic and reconnects with backoff, so the
    /// main loop never waits on the network; the main loop learns of each new connection through
    /// <see cref="ConnectedGeneration"/> and calls RigDevice.OnLinkConnected itself. Every step of an attempt (Wi-Fi,
    /// the client's constructor, which resolves the broker's name, TLS, connect, subscribe) is inside the attempt, and
    /// the supervisor turns whatever an attempt throws into one counted failure and a back-off (tests/Rig.Firmware.Tests,
    /// LinkSupervisorTests).
    /// </summary>
    /// <remarks>
    /// <para>
    /// The last will is the text form of the Offline status (<c>offline</c> and the boot id in hex, docs/protocol.md):
    /// M2Mqtt takes the will payload as a string and sends Encoding.UTF8.GetBytes(it), and a nanoFramework string
    /// ends at its first NUL and turns bytes above 0x7F into U+FFFD, so the binary status cannot travel that way.
    /// </para>
    /// <para>
    /// Allocation: M2Mqtt keeps a reference to the payload array until the broker acknowledges it and takes the whole
    /// array as the payload (there is no offset/count overload), so each publish copies into a new array of exactly
    /// the message's length. That is one allocation per published message (a batch every 20 ms or so, an ack, a
    /// status), never per event; M2Mqtt allocates its own message objects per publish anyway.
    /// </para>
    /// </remarks>
    public sealed class MqttDeviceLink : IDeviceLink, ILinkConnector, ILinkWaiter, IDisposable
    {
        /// <summary>A silent device is noticed by the broker within 1.5 keep-alives.</summary>
        public const ushort KeepAliveSeconds = 15;

        /// <summary>How long the first Wi-Fi association may take before the attempt counts as failed.</summary>
        public const int WifiWaitMillis = 60000;

        /// <summary>
        /// M2Mqtt's queue of unacknowledged QoS 1 messages is unbounded by default; bounded, a slow broker makes
        /// Publish refuse (the batch stays in the firmware core's store for later) instead of exhausting the heap.
        /// </summary>
        public const int InflightLimit = 16;

        private readonly RigTopics _topics;
        private readonly uint _bootId;
        private readonly string _host;
        private readonly int _port;
        private readonly string _clientId;
        private readonly string _username;
        private readonly string _password;
        private readonly string _caPem;
        private readonly string[] _subscribeTopics;
        private readonly MqttQoSLevel[] _subscribeQos;
        private readonly AutoResetEvent _reconnect;
        private readonly AutoResetEvent _work;
        private readonly LinkSupervisor _supervisor;
        private int _generation;
        private bool _wifiReady;
        private uint _publishRefused;

        // Null until Start and the first connection. The .nfproj compiles without a nullable context, where a '?'
        // annotation would only draw warning CS8632, so these two stay unannotated for the compile check as well.
#nullable disable
        private RigDevice _device;
        private MqttClient _client;
#nullable restore

        /// <param name="caPem">PEM of the CA of an mqtts:// broker's certificate; empty for plain MQTT. TLS on the device is
        /// compile-checked only: it has not been run against a broker on hardware (docs/security.md).</param>
        public MqttDeviceLink(RigTopics topics, uint bootId, string host, int port, string username, string password, string caPem)
        {
            _caPem = caPem;
            _topics = topics;
            _bootId = bootId;
            _host = host;
            _port = port;
            _username = username;
            _password = password;
            // One client id per rig: a second board flashed with the same rig id takes the session over, which the
            // bridge sees as a new boot id instead of two devices interleaving on one topic.
            _clientId = "rig-" + topics.RigId;
            _subscribeTopics = new string[] { topics.Command };
            _subscribeQos = new MqttQoSLevel[] { MqttQoSLevel.AtLeastOnce };
            _reconnect = new AutoResetEvent(false);
            _work = new AutoResetEvent(false);
            _supervisor = new LinkSupervisor(this, this, new Random());
        }

        public bool IsConnected
        {
            get
            {
                // One reference read: the interpreter runs managed threads on one native task, so a reference written
                // by the link thread is seen whole by the main loop.
                MqttClient client = _client;
                return client != null && client.IsConnected;
            }
        }

        /// <summary>Incremented by the link thread after each successful connect and subscribe.</summary>
        public int ConnectedGeneration
        {
            get { return _generation; }
        }

        /// <summary>Messages M2Mqtt refused because its in-flight queue was full (they stay queued in the firmware core).</summary>
        public uint PublishRefused
        {
            get { return _publishRefused; }
        }

        public uint ConnectFailures
        {
            get { return _supervisor.ConnectFailures; }
        }

        /// <summary>Why the last connection attempt failed, for the debug output.</summary>
        public string LastProblem
        {
            get { return _supervisor.LastProblem; }
        }

        /// <summary>Starts the connection thread; commands received from now on go to <paramref name="device"/>.</summary>
        public void Start(RigDevice device)
        {
            _device = device;
            MqttSettings.Instance.InflightQueueSize = InflightLimit;
            new Thread(_supervisor.Run).Start();
        }

        /// <summary>
        /// Blocks the main loop for at most <paramref name="millis"/>, or until a command arrives: it gives the CPU to
        /// the link's threads without a Thread.Sleep, and a command is executed as soon as it is handed over.
        /// </summary>
        public void WaitForWork(int millis)
        {
            _work.WaitOne(millis, false);
        }

        public bool Publish(TopicKind topic, byte[] buffer, int offset, int count, bool retain)
        {
            MqttClient client = _client;
            if (client == null || !client.IsConnected)
            {
                return false;
            }

            byte[] payload = new byte[count];
            Array.Copy(buffer, offset, payload, 0, count);
            try
            {
                client.Publish(_topics.Get(topic), payload, null, null, MqttQoSLevel.AtLeastOnce, retain);
                return true;
            }
            catch (MqttClientException)
            {
                // InflightQueueFull: the caller keeps the message and offers it again on a later loop.
                _publishRefused++;
                return false;
            }
        }

        public void Dispose()
        {
            CloseClient();
        }

        /// <summary>The supervisor's wait: the connection-closed event wakes it early. The device never stops the loop.</summary>
        public bool Wait(int millis)
        {
            _reconnect.WaitOne(millis, false);
            return true;
        }

        /// <summary>One attempt, every step inside: see <see cref="ILinkConnector.TryConnect"/>.</summary>
        public string TryConnect()
        {
            CloseClient();
            if (!_wifiReady)
            {
                // Credentials are the ones stored by the nanoFramework wireless configuration (nanoff network
                // deployment); after the first association the Wi-Fi driver reconnects on its own (AutoConnect).
                using (CancellationTokenSource wait = new CancellationTokenSource(WifiWaitMillis))
                {
                    _wifiReady = WifiNetworkHelper.Reconnect(false, 0, wait.Token);
                }

                if (!_wifiReady)
                {
                    return "Wi-Fi did not come up from the stored configuration within " + (WifiWaitMillis / 1000).ToString() + " s";
                }
            }

            // Null until constructed; the .nfproj has no nullable context (see the fields above).
#nullable disable
            MqttClient client = null;
#nullable restore
            try
            {
                // Constructed inside the try: M2Mqtt's constructor resolves the broker's name, and a DNS failure there
                // is one failed attempt like any other. The certificate object is made per attempt, not kept: M2Mqtt
                // hands it to the TLS stack at connect.
                client = _caPem.Length == 0
                    ? new MqttClient(_host, _port, false, null, null, MqttSslProtocols.None)
                    : new MqttClient(_host, _port, true, new X509Certificate(_caPem), null, MqttSslProtocols.TLSv1_2);
                client.MqttMsgPublishReceived += OnPublishReceived;
                client.ConnectionClosed += OnConnectionClosed;
                // Clean session: commands published while the device was away are dropped by the broker, never
                // delivered late (a stale PulseValve must not run); the host times out and re-asks.
                // The will is retained, so a bridge that starts later still learns the device is gone.
                MqttReasonCode code = client.Connect(_clientId, _username, _password, true, MqttQoSLevel.AtLeastOnce, true,
                    _topics.Status, DeviceStatus.OfflineWillText(_bootId), true, KeepAliveSeconds);
                if (code != MqttReasonCode.Success)
                {
                    client.Close();
                    return "broker " + _host + ":" + _port.ToString() + " refused the connection, reason " + ((int)code).ToString();
                }

                client.Subscribe(_subscribeTopics, _subscribeQos);
            }
            catch (Exception e)
            {
                // DNS, TLS, socket, timeout, protocol: close what was opened and report; the supervisor backs off.
                if (client != null)
                {
                    client.Close();
                }

                return "broker " + _host + ":" + _port.ToString() + ": " + e.Message;
            }

            _client = client;
            Interlocked.Increment(ref _generation);
            return string.Empty;
        }

        private void CloseClient()
        {
            MqttClient client = _client;
            _client = null;
            if (client != null)
            {
                // M2Mqtt's Close stops its threads and swallows its own errors.
                client.Close();
            }
        }

        private void OnPublishReceived(object sender, MqttMsgPublishEventArgs e)
        {
            // Stamped first: the sync exchange measures from here, so every instruction before it is error.
            ulong receivedMicros = NativeCapture.NowMicros();
            byte[] message = e.Message;
            if (message != null && e.Topic == _topics.Command)
            {
                _device.OfferCommand(message, 0, message.Length, receivedMicros);
                _work.Set();
            }
        }

        private void OnConnectionClosed(object sender, EventArgs e)
        {
            _reconnect.Set();
        }
    }
}
