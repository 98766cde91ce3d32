namespace Hil.Harness.Targets;

/// <summary>
/// A target whose firmware image can be replaced while its persistent state is kept, the way a
/// bootloader or a debug probe writes a new application and resets the board: the same identity
/// (MAC) and the same config flash (boot counter, settings) come up running the new image.
/// </summary>
public interface IFirmwareUpdatable
{
    /// <summary>Writes <paramref name="image"/> as the firmware, resets into it and waits until it is ready.</summary>
    Task UpdateFirmwareAsync(string image, CancellationToken cancellationToken = default);
}
