using Hil.Backend.Hosting;

// Standalone entry point; `hil platform up` hosts the same composition next to the broker.
// Configuration: the "Backend" section (appsettings.json, environment HIL_Backend__*), see BackendOptions.
var configuration = new ConfigurationBuilder().AddEnvironmentVariables("HIL_").AddCommandLine(args).Build();
var options = configuration.GetSection("Backend").Get<BackendOptions>() ?? new BackendOptions();
await using var host = await BackendHost.StartAsync(options);
Console.WriteLine($"backend: {host.HttpAddress} ({host.Store.Kind}); admin token: {host.AdminToken}");
await host.WaitForShutdownAsync();
