using Hil.Backend.Hosting;
using Hil.Backend.Storage;
using Hil.Scorer.Anomaly;

namespace Hil.Backend.Anomaly;

public static class AnomalySetup
{
    /// <summary>The detector (with the configured starting model, loaded now so a bad file stops the start with its reason) and its schedule.</summary>
    public static IServiceCollection AddAnomalyDetection(this IServiceCollection services, BackendOptions options)
    {
        options.Anomaly.Validate();
        var detector = new AnomalyDetector();
        if (options.Anomaly.ModelPath is { } path) detector.Use(AnomalyModel.Load(path));
        services.AddSingleton(detector);
        services.AddSingleton(sp => (IAnomalyStore)sp.GetRequiredService<IBackendStore>());
        return services.AddHostedService<AnomalyService>();
    }
}
