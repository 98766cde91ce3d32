using Hil.Harness.Support;

namespace Hil.Harness.Firmware;

/// <summary>
/// Where `./hil build` puts the reference node's images. Override with HIL_NATIVE_FIRMWARE and
/// HIL_STM32_FIRMWARE, or give a path in the target options, to run your own firmware.
/// </summary>
public static class FirmwareImages
{
    public static string NativeExecutable =>
        Environment.GetEnvironmentVariable("HIL_NATIVE_FIRMWARE")
        ?? Path.Combine(RepositoryLayout.BuildDirectory, "firmware", "native", "hive-node");

    public static string Stm32Elf =>
        Environment.GetEnvironmentVariable("HIL_STM32_FIRMWARE")
        ?? Path.Combine(RepositoryLayout.BuildDirectory, "firmware", "stm32f4", "hive-node.elf");

    /// <summary>Throws a clear error naming the build command when an image is missing.</summary>
    public static string RequireFile(string path, string what)
    {
        if (File.Exists(path)) return path;
        throw new FileNotFoundException(
            $"The {what} '{path}' does not exist. Build it with `./hil build` (or point the target at your own image).", path);
    }
}
