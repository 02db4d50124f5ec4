namespace Certitude;

/// <summary>Reads files that may come from an attacker (trust-store folders, bundles): at most a fixed
/// number of bytes, so a huge file or a device such as /dev/zero cannot hang or exhaust memory.</summary>
internal static class BoundedFile
{
    /// <summary>The largest certificate, bundle or CRL file read: 64 MiB.</summary>
    public const int MaxBytes = 64 * 1024 * 1024;

    /// <summary>Reads the whole file, or throws <see cref="IOException"/> naming it when it is larger than <paramref name="maxBytes"/>.</summary>
    public static byte[] Read(string path, int maxBytes = MaxBytes)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var buffer = new MemoryStream();
        // Chunks sized to the file when it says its size (a certificate file is a few KiB: no 80 KiB buffer to zero on
        // every read of a one-shot command), at least 4 KiB so a file that grows or a device is still read briskly.
        var chunk = new byte[stream.CanSeek ? (int)Math.Clamp(stream.Length + 1, 4096, 81920) : 81920];
        int n;
        while ((n = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + n > maxBytes)
            {
                throw new IOException($"'{path}' is larger than {maxBytes / (1024 * 1024)} MiB; refusing to read it");
            }
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }
}
