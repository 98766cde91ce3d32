namespace Hil.Harness.Targets.Qemu;

/// <summary>
/// Where lockstep finds a UART of the emulated board: the data register the node writes and reads bytes through
/// (counted by the plugin), and the status register with the bit that says a received byte is waiting.
/// </summary>
public sealed record QemuUart(ulong DataRegister, ulong StatusRegister, uint RxReadyMask)
{
    /// <summary>USART1, USART2, USART3 of the STM32F405/F407: SR at the base, DR at +4, RXNE is bit 5.</summary>
    public static readonly IReadOnlyList<QemuUart> Stm32F4 =
    [
        new(0x4001_1004, 0x4001_1000, 1u << 5),
        new(0x4000_4404, 0x4000_4400, 1u << 5),
        new(0x4000_4804, 0x4000_4800, 1u << 5),
    ];
}
