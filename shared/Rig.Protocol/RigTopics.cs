namespace Rig.Protocol
{
    /// <summary>Which of a rig's topics a message travels on.</summary>
    public enum TopicKind : byte
    {
        Unknown = 0,
        /// <summary>Device to host: binary event batches, QoS 1.</summary>
        Events = 1,
        /// <summary>Device to host: retained status; the broker publishes the last will (Offline) if the device drops.</summary>
        Status = 2,
        /// <summary>Host to device: commands, QoS 1.</summary>
        Command = 3,
        /// <summary>Device to host: command acknowledgements carrying device time.</summary>
        Ack = 4,
        /// <summary>Device to host: replies to clock-sync requests.</summary>
        Sync = 5,
        /// <summary>Renderer to host: one JSON message per drawn frame on <c>vr/v1/{rigId}/frame</c> (journal only; not a device topic).</summary>
        VrFrame = 6,
        /// <summary>Gimbl to host: <c>Gimbl/Frame</c>, one message per frame Gimbl reports (journal only; not a device topic).</summary>
        GimblFrame = 7,
    }

    /// <summary>
    /// MQTT topic names: <c>rig/v1/{rigId}/{events|status|cmd|ack|sync}</c>. Built once at start-up, never per event.
    /// </summary>
    public sealed class RigTopics
    {
        public const string Prefix = "rig/v1/";

        public RigTopics(string rigId)
        {
            ValidateRigId(rigId);
            RigId = rigId;
            string root = Prefix + rigId + "/";
            Events = root + "events";
            Status = root + "status";
            Command = root + "cmd";
            Ack = root + "ack";
            Sync = root + "sync";
            All = root + "#";
        }

        public string RigId { get; }

        public string Events { get; }

        public string Status { get; }

        public string Command { get; }

        public string Ack { get; }

        public string Sync { get; }

        /// <summary>Filter matching every topic of this rig.</summary>
        public string All { get; }

        /// <summary>The topic name of <paramref name="kind"/>.</summary>
        public string Get(TopicKind kind)
        {
            switch (kind)
            {
                case TopicKind.Events: return Events;
                case TopicKind.Status: return Status;
                case TopicKind.Command: return Command;
                case TopicKind.Ack: return Ack;
                case TopicKind.Sync: return Sync;
                default: throw new ProtocolException(ProtocolError.InvalidField, "topic kind", 0);
            }
        }

        /// <summary>Which kind a full topic name is, or <see cref="TopicKind.Unknown"/> if it is not one of this rig's.</summary>
        public TopicKind Classify(string topic)
        {
            if (topic == Events) return TopicKind.Events;
            if (topic == Status) return TopicKind.Status;
            if (topic == Command) return TopicKind.Command;
            if (topic == Ack) return TopicKind.Ack;
            if (topic == Sync) return TopicKind.Sync;
            return TopicKind.Unknown;
        }

        /// <summary>Whether <paramref name="rigId"/> is a rig id (<see cref="Rig.Protocol.RigId.IsValid"/>).</summary>
        public static bool IsValidRigId(string rigId)
        {
            return Rig.Protocol.RigId.IsValid(rigId);
        }

        public static void ValidateRigId(string rigId)
        {
            if (!IsValidRigId(rigId))
            {
                throw new ProtocolException(ProtocolError.InvalidRigId, "rig id", 0);
            }
        }
    }
}
