namespace Certitude.Tls;

/// <summary>
/// Watches the directories of a context's files and reloads the context once changes have settled (debounce).
/// Directories, not files: a file replaced by a rename or a symbolic-link swap (Kubernetes secrets, cert-manager)
/// raises events on its directory. When a directory cannot be watched (no inotify instances left), the files are
/// polled instead, at the debounce interval.
/// </summary>
internal sealed class FileWatch : IDisposable
{
    private readonly TlsContext _context;
    private readonly TimeSpan _debounce;
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly Timer _timer;
    private readonly Timer? _poll;
    private readonly string[] _files;
    private string _fingerprint;
    private int _disposed;

    public FileWatch(TlsContext context, IReadOnlyList<string> files, TimeSpan debounce)
    {
        _context = context;
        _debounce = debounce;
        _files = [.. files.Select(Path.GetFullPath)];
        _fingerprint = Fingerprint();
        _timer = new Timer(_ => Fire(), null, Timeout.Infinite, Timeout.Infinite);
        bool polling = false;
        foreach (var dir in _files.Select(f => Directory.Exists(f) ? f : Path.GetDirectoryName(f)).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            try
            {
                var w = new FileSystemWatcher(dir) { IncludeSubdirectories = false, NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime | NotifyFilters.DirectoryName };
                w.Changed += (_, _) => Touch();
                w.Created += (_, _) => Touch();
                w.Deleted += (_, _) => Touch();
                w.Renamed += (_, _) => Touch();
                w.Error += (_, _) => Touch();
                w.EnableRaisingEvents = true;
                _watchers.Add(w);
            }
            catch (Exception e) when (e is IOException or ArgumentException or PlatformNotSupportedException or UnauthorizedAccessException)
            {
                polling = true;
            }
        }
        if (polling)
        {
            _poll = new Timer(_ => Poll(), null, debounce, debounce);
        }
    }

    /// <summary>Restarts the debounce: the reload happens once no change came for the interval.</summary>
    private void Touch()
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            try
            {
                _timer.Change(_debounce, Timeout.InfiniteTimeSpan);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private void Poll()
    {
        var now = Fingerprint();
        if (now != _fingerprint)
        {
            Touch();
        }
    }

    private void Fire()
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            _fingerprint = Fingerprint();
            _context.Reload();
        }
    }

    /// <summary>Sizes and modification times of the files (a directory: of its entries), to notice changes when polling.</summary>
    private string Fingerprint()
    {
        var parts = new List<string>();
        foreach (var f in _files)
        {
            try
            {
                var entries = Directory.Exists(f) ? Directory.GetFiles(f) : [f];
                foreach (var e in entries)
                {
                    var info = new FileInfo(e);
                    parts.Add(info.Exists ? $"{e}:{info.Length}:{info.LastWriteTimeUtc.Ticks}" : $"{e}:-");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                parts.Add($"{f}:?");
            }
        }
        return string.Join("|", parts);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        foreach (var w in _watchers)
        {
            w.Dispose();
        }
        _timer.Dispose();
        _poll?.Dispose();
    }
}
