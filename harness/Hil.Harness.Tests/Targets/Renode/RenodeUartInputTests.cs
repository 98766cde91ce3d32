using System.Text;
using Hil.Harness.Targets.Renode;
using Hil.Harness.Tests.Support.RenodeStandIn;

namespace Hil.Harness.Tests.Targets.Renode;

/// <summary>
/// The harness's bytes as monitor commands (<see cref="RenodeUartInput"/>), read back with the tokenizer
/// rules of Renode's monitor (the stand-in's <c>Words</c>: only \" and \' are escapes, inside their own quotes).
/// </summary>
public sealed class RenodeUartInputTests
{
    private static byte[] ReadBack(IEnumerable<string> commands)
    {
        var bytes = new List<byte>();
        foreach (string command in commands)
        {
            string[] w = RenodeStandIn.Words(command);
            Assert.That(w[0], Is.EqualTo("sysbus.usart2"));
            if (w[1] == "WriteChar") bytes.Add(Convert.ToByte(w[2], 16));
            else if (w is [_, "WriteLine", var text, "None"]) bytes.AddRange(text.Select(c => (byte)c));
            else Assert.Fail($"unexpected command {command}");
        }
        return bytes.ToArray();
    }

    [TestCase("AT+CWJAP=\"hive\",\"pass word\"\r\n")]
    [TestCase("+MQTTSUBRECV:0,\"hive/n/cmd\",29,{\"cmd\":\"set_flap\",\"pos\":50}\r\n")]
    [TestCase("it's a \"quoted\" back\\slash and 'single' \\\" \\'")]
    [TestCase("'")]
    [TestCase("\"")]
    public void Text_comes_back_byte_for_byte(string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);

        Assert.That(ReadBack(RenodeUartInput.Commands("sysbus.usart2", bytes)), Is.EqualTo(bytes));
    }

    [Test]
    public void Any_bytes_come_back_byte_for_byte()
    {
        var random = new Random(7);
        for (int round = 0; round < 200; round++)
        {
            byte[] bytes = new byte[random.Next(1, 400)];
            random.NextBytes(bytes);
            if (round % 2 == 0) for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)(0x20 + bytes[i] % 0x5F); // mostly printable

            Assert.That(ReadBack(RenodeUartInput.Commands("sysbus.usart2", bytes)), Is.EqualTo(bytes), $"round {round}");
        }
    }

    [Test]
    public void Printable_runs_go_in_one_command_and_other_bytes_one_each()
    {
        string[] commands = RenodeUartInput.Commands("sysbus.usart1", Encoding.ASCII.GetBytes("status\n")).ToArray();

        Assert.That(commands, Is.EqualTo(new[] { "sysbus.usart1 WriteLine 'status' None", "sysbus.usart1 WriteChar 0x0a" }));
    }
}
