using Hil.Mqtt.Packets;

namespace Hil.Mqtt.Broker;

/// <summary>One message observed by the broker: received from a client, and (when Receiver is set) delivered to one.</summary>
public sealed record BrokerMessageEvent(
    string SenderClientId,
    string Topic,
    ReadOnlyMemory<byte> Payload,
    MqttQos Qos,
    bool Retain,
    DateTimeOffset ReceivedAt,
    string? ReceiverClientId = null,
    DateTimeOffset? DeliveredAt = null);

/// <summary>What the perturb hook decides for one message on its way to one subscriber.</summary>
public abstract record DeliveryAction
{
    public static readonly DeliveryAction Deliver = new DeliverAction();
    public static readonly DeliveryAction Drop = new DropAction();
    public static readonly DeliveryAction Duplicate = new DuplicateAction();
    /// <summary>Held back and delivered after the next message to the same subscriber.</summary>
    public static readonly DeliveryAction Reorder = new ReorderAction();
    public static DeliveryAction Delay(TimeSpan by) => new DelayAction(by);

    public sealed record DeliverAction : DeliveryAction;
    public sealed record DropAction : DeliveryAction;
    public sealed record DuplicateAction : DeliveryAction;
    public sealed record ReorderAction : DeliveryAction;
    public sealed record DelayAction(TimeSpan By) : DeliveryAction;
}

/// <summary>A message about to be delivered to one subscriber (input to the perturb hook).</summary>
public sealed record PendingDelivery(string SenderClientId, string ReceiverClientId, string Topic, ReadOnlyMemory<byte> Payload, MqttQos Qos);
