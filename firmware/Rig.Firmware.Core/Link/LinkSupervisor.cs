namespace Rig.Firmware.Link
{
    using System;

    /// <summary>
    /// One attempt to bring the device's link up, every step of it: name resolution, TLS, the MQTT connect and the
    /// subscription. On the ESP32 it constructs the M2Mqtt client, whose constructor resolves the broker's name.
    /// </summary>
    public interface ILinkConnector
    {
        bool IsConnected { get; }

        /// <summary>
        /// Tries once. Returns the empty string when connected and subscribed, otherwise why not. It may also throw
        /// (a failed DNS lookup in a constructor, a socket error): <see cref="LinkSupervisor"/> treats that the same way.
        /// </summary>
        string TryConnect();
    }

    /// <summary>How the supervisor waits between attempts (an AutoResetEvent on the device, a script in tests).</summary>
    public interface ILinkWaiter
    {
        /// <summary>Waits at most <paramref name="millis"/>, less if woken (connection closed); false stops the loop.</summary>
        bool Wait(int millis);
    }

    /// <summary>
    /// The device's reconnect loop, hardware-free so it runs under test exactly as on the ESP32: whatever an attempt
    /// does, returns or throws, the loop counts it, backs off (doubling from <see cref="MinBackoffMillis"/> to
    /// <see cref="MaxBackoffMillis"/>, with jitter) and tries again, for as long as the device runs. A single DNS failure
    /// used to end the link thread for good because the client's constructor sat outside the try (issue 20).
    /// </summary>
    public sealed class LinkSupervisor
    {
        public const int MinBackoffMillis = 1000;
        public const int MaxBackoffMillis = 30000;

        /// <summary>How often a connected link is looked at (the connection-closed event also wakes the loop).</summary>
        public const int SupervisionMillis = 1000;

        private readonly ILinkConnector _connector;
        private readonly ILinkWaiter _waiter;
        private readonly Random _jitter;
        private int _backoffMillis;
        private uint _failures;
        private uint _thrown;
        private uint _connects;
        private string _lastProblem;

        /// <param name="jitter">Spreads the reconnects of many rigs after a broker restart; seeded in tests.</param>
        public LinkSupervisor(ILinkConnector connector, ILinkWaiter waiter, Random jitter)
        {
            if (connector == null || waiter == null || jitter == null)
            {
                throw new ArgumentException("LinkSupervisor needs a connector, a waiter and a random source");
            }

            _connector = connector;
            _waiter = waiter;
            _jitter = jitter;
            _backoffMillis = MinBackoffMillis;
            _lastProblem = string.Empty;
        }

        /// <summary>Failed attempts since boot, thrown or returned.</summary>
        public uint ConnectFailures
        {
            get { return _failures; }
        }

        /// <summary>Of <see cref="ConnectFailures"/>, the attempts that threw.</summary>
        public uint AttemptsThrown
        {
            get { return _thrown; }
        }

        public uint Connects
        {
            get { return _connects; }
        }

        /// <summary>The back-off the next failure will wait (before jitter).</summary>
        public int BackoffMillis
        {
            get { return _backoffMillis; }
        }

        public string LastProblem
        {
            get { return _lastProblem; }
        }

        /// <summary>The link thread's body: never returns on the device (its waiter never says stop).</summary>
        public void Run()
        {
            while (Step())
            {
            }
        }

        /// <summary>One round: an attempt if the link is down, then one wait. Returns what the waiter returned.</summary>
        public bool Step()
        {
            if (_connector.IsConnected)
            {
                return _waiter.Wait(SupervisionMillis);
            }

            string problem;
            try
            {
                problem = _connector.TryConnect();
            }
            catch (Exception e)
            {
                // Whatever escapes an attempt (DNS in M2Mqtt's constructor, TLS, sockets) is a failed attempt, never the
                // end of the thread.
                _thrown++;
                // No type name: reflection may be left out of a nanoCLR build, and the message names the failure.
                problem = "attempt threw: " + e.Message;
            }

            if (problem == null || problem.Length == 0)
            {
                _connects++;
                _backoffMillis = MinBackoffMillis;
                return _waiter.Wait(SupervisionMillis);
            }

            _failures++;
            _lastProblem = problem;
            int wait = _backoffMillis + _jitter.Next(_backoffMillis / 2);
            _backoffMillis = _backoffMillis >= MaxBackoffMillis / 2 ? MaxBackoffMillis : _backoffMillis * 2;
            return _waiter.Wait(wait);
        }
    }
}
