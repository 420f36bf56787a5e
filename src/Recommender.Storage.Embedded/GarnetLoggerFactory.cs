using Microsoft.Extensions.Logging;

namespace Recommender.Storage.Embedded;

/// <summary>
/// Hands Garnet loggers that pass on warnings and errors only (its start-up chatter, dozens of lines
/// of settings, would bury the service's own log), and shows every exception Garnet logs to
/// <paramref name="onError"/>, which is how a failed commit of its log becomes known.
/// </summary>
internal sealed class GarnetLoggerFactory(ILoggerFactory inner, LogLevel minimum, Action<Exception> onError) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new Filtered(inner.CreateLogger(categoryName), minimum, onError);

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose()
    {
        // The inner factory belongs to the host.
    }

    private sealed class Filtered(ILogger inner, LogLevel minimum, Action<Exception> onError) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (exception is not null)
            {
                onError(exception);
            }
            if (logLevel >= minimum && inner.IsEnabled(logLevel))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
