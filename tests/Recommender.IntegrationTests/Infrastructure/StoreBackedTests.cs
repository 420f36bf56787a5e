namespace Recommender.IntegrationTests.Infrastructure;

/// <summary>
/// Tests that run once per store (a subclass per store chooses it): the hosts a test starts are
/// disposed when it ends.
/// </summary>
public abstract class StoreBackedTests : IAsyncLifetime
{
    private readonly List<ServiceHost> _hosts = [];

    protected abstract StoreSetup NewStore();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            host.Dispose();
        }
        return Task.CompletedTask;
    }

    /// <summary>Starts the service on <paramref name="store"/> (a new one of the subclass's kind when null) and waits until it is ready.</summary>
    protected async Task<ServiceHost> StartAsync(StoreSetup? store = null)
    {
        var host = new ServiceHost(store ?? NewStore());
        _hosts.Add(host);
        return await host.StartAsync();
    }

    /// <summary>Stops a host before the test ends, e.g. to start another on its store.</summary>
    protected void Stop(ServiceHost host)
    {
        _hosts.Remove(host);
        host.Dispose();
    }
}
