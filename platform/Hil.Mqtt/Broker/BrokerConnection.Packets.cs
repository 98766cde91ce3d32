using Hil.Mqtt.Packets;

namespace Hil.Mqtt.Broker;

/// <summary>What a connected client's packets do (everything after CONNECT and before DISCONNECT).</summary>
internal sealed partial class BrokerConnection
{
    /// <summary>Null when handled; otherwise the protocol violation that closes the connection.</summary>
    private string? Handle(MqttPacket packet)
    {
        BrokerSession session = _session!;
        switch (packet)
        {
            case PublishPacket publish:
                return HandlePublish(session, publish);
            case PacketIdPacket { Kind: MqttPacketType.PubAck } ack:
                session.Acknowledge(ack.PacketId);
                return null;
            case PacketIdPacket { Kind: MqttPacketType.PubRel } release:
                session.ReleaseInboundQos2(release.PacketId);
                return SendControl(OutFrame.Ack(MqttPacketType.PubComp, release.PacketId));
            case PacketIdPacket { Kind: MqttPacketType.PubRec or MqttPacketType.PubComp } other:
                return $"protocol error: {other.Kind} for packet {other.PacketId}, but this broker never sends QoS 2";
            case SubscribePacket subscribe:
                return HandleSubscribe(session, subscribe);
            case UnsubscribePacket unsubscribe:
                foreach (string filter in unsubscribe.Filters) _core.Unsubscribe(session, filter);
                return SendControl(OutFrame.Ack(MqttPacketType.UnsubAck, unsubscribe.PacketId));
            case EmptyPacket { Kind: MqttPacketType.PingReq }:
                return SendControl(OutFrame.Packet(PingResp));
            case ConnectPacket:
                return "protocol error: a second CONNECT";
            default:
                return $"protocol error: {packet.Type} is not a packet a client sends";
        }
    }

    private string? HandlePublish(BrokerSession session, PublishPacket publish)
    {
        if (publish.Qos == MqttQos.AtLeastOnce && _core.Options.DurableSubscriber is not null)
        {
            if (SendControlCheck() is { } overwhelmed) return overwhelmed;
            // Its PUBACK waits for the durable subscriber's copy (if it gets one) and for the PUBACKs before it.
            var message = new BrokerMessage(ClientId, publish.Topic, publish.Payload, publish.Qos, publish.Retain, _core.Time.GetUtcNow());
            PendingAck ack = _acks.Begin(publish.PacketId, message.Size);
            message.PublisherAck = ack;
            if (IsAllowed(publish.Topic, subscribe: false)) _core.Router.Route(message);
            else RefusePublish(publish.Topic);
            if (!ack.Expected) ack.Settle();
            return null;
        }
        // A QoS 2 PUBLISH re-sent before PUBREL was already routed: acknowledge again, route once.
        bool firstTime = publish.Qos != MqttQos.ExactlyOnce || session.BeginInboundQos2(publish.PacketId);
        if (firstTime)
        {
            if (IsAllowed(publish.Topic, subscribe: false))
                _core.Router.Route(new BrokerMessage(ClientId, publish.Topic, publish.Payload, publish.Qos, publish.Retain, _core.Time.GetUtcNow()));
            else
                RefusePublish(publish.Topic);
        }
        return publish.Qos switch
        {
            MqttQos.AtLeastOnce => SendControl(OutFrame.Ack(MqttPacketType.PubAck, publish.PacketId)),
            MqttQos.ExactlyOnce => SendControl(OutFrame.Ack(MqttPacketType.PubRec, publish.PacketId)),
            _ => null,
        };
    }

    private string? HandleSubscribe(BrokerSession session, SubscribePacket subscribe)
    {
        var codes = new byte[subscribe.Subscriptions.Count];
        for (int i = 0; i < codes.Length; i++)
        {
            TopicSubscription requested = subscribe.Subscriptions[i];
            if (!IsAllowed(requested.Filter, subscribe: true))
            {
                _core.Refuse(new BrokerRefusal(BrokerRefusalKind.Subscribe, ClientId, _connect?.Username,
                    $"subscription to '{requested.Filter}' refused by the ACL", RemoteEndPoint));
                codes[i] = SubAckPacket.Failure;
                continue;
            }
            // QoS 2 is granted as QoS 1, which MQTT allows (3.8.4): this broker does not send QoS 2.
            MqttQos granted = requested.Qos > MqttQos.AtLeastOnce ? MqttQos.AtLeastOnce : requested.Qos;
            _core.Subscribe(session, requested.Filter, granted);
            codes[i] = (byte)granted;
        }
        if (SendControl(OutFrame.Packet(MqttCodec.Encode(new SubAckPacket(subscribe.PacketId, codes)))) is { } error) return error;
        for (int i = 0; i < codes.Length; i++)
        {
            if (codes[i] != SubAckPacket.Failure)
                _core.Router.SendRetained(session, subscribe.Subscriptions[i].Filter, (MqttQos)codes[i]);
        }
        return null;
    }

    private string? SendControl(OutFrame frame)
    {
        if (SendControlCheck() is { } overwhelmed) return overwhelmed;
        Sender.TryEnqueue(frame, droppable: false);
        return null;
    }

    private string? SendControlCheck() => Sender.IsOverwhelmed ? $"not reading: over {Sender.QueuedBytes} bytes waiting to be sent" : null;

    /// <summary>
    /// MQTT 3.1.1 has no negative PUBACK: a publish the ACL refuses is dropped and still acknowledged. Reported once
    /// per topic and connection (a device retrying the same forbidden topic is one line), counted in the close line.
    /// </summary>
    private void RefusePublish(string topic)
    {
        Interlocked.Increment(ref _refusedPublishes);
        _refusedTopics ??= new HashSet<string>(StringComparer.Ordinal);
        if (_refusedTopics.Count < 100 && _refusedTopics.Add(topic))
            _core.Refuse(new BrokerRefusal(BrokerRefusalKind.Publish, ClientId, _connect?.Username,
                $"publish to '{topic}' refused by the ACL; dropped (MQTT 3.1.1 acknowledges it all the same)", RemoteEndPoint));
    }

    private bool IsAllowed(string topicOrFilter, bool subscribe)
    {
        if (_core.Options.Authorize is not { } authorize) return true;
        try
        {
            return authorize(new MqttTopicAccess(ClientId, _connect?.Username, topicOrFilter, subscribe));
        }
        catch (Exception e)
        {
            _core.Warn($"connection {RemoteEndPoint} client '{ClientId}': the ACL hook threw {e.GetType().Name}: {e.Message}; refused");
            return false;
        }
    }
}
