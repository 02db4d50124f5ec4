using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Certitude.Tests;

/// <summary>One log line as a provider received it.</summary>
internal sealed record LogLine(string Category, LogLevel Level, EventId EventId, string Message, IReadOnlyDictionary<string, object?> State);

/// <summary>An <see cref="ILoggerProvider"/> that keeps every line, for assertions on categories, events and fields.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<LogLine> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    public override string ToString() => string.Join("\n", Lines.Select(l => $"{l.Category} [{l.EventId.Id} {l.EventId.Name}] {l.Level}: {l.Message}"));

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var fields = state is IEnumerable<KeyValuePair<string, object?>> kv ? kv.ToDictionary(p => p.Key, p => p.Value) : [];
            owner.Lines.Enqueue(new LogLine(category, logLevel, eventId, formatter(state, exception), fields));
        }
    }
}
