using Hil.Backend.Hosting;
using Hil.Backend.Storage;
using Hil.Scorer.Anomaly;

namespace Hil.Backend.Anomaly;

/// <summary>
/// On the injected clock, every <see cref="AnomalyOptions.ScoreInterval"/>: retrain the forest from the stored telemetry
/// of the last <see cref="AnomalyOptions.TrainingWindow"/> when <see cref="AnomalyOptions.RetrainInterval"/> has passed (or
/// there is no model yet), then score every reading stored since the last pass. Each model is kept in the database with
/// its version and training time; scores name the model that gave them.
/// </summary>
internal sealed class AnomalyService(IAnomalyStore anomalies, IBackendStore store, AnomalyDetector detector, BackendOptions options,
    ILogger<AnomalyService> log) : BackgroundService
{
    private DateTimeOffset? _nextRetrain;
    private AnomalyOptions Settings => options.Anomaly;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Settings.ScoreInterval, options.Time);
        try
        {
            await LoadStoredModelAsync(stoppingToken);
            // A model from the configured file (or none) is first retrained one interval from now (or as soon as data allows).
            _nextRetrain ??= options.Time.GetUtcNow() + Settings.RetrainInterval;
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await TickAsync(options.Time.GetUtcNow(), stoppingToken);
                }
                catch (StoreUnavailableException e)
                {
                    log.LogWarning("Anomaly scoring skipped: {Error}", e.Message);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A failed pass must not end the service (an unhandled exception here stops the whole backend host):
                    // it is logged, and the next tick tries again.
                    log.LogError(e, "Anomaly scoring or retraining failed; trying again at the next pass");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task LoadStoredModelAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (await anomalies.LatestAnomalyModelAsync(cancellationToken) is not { } stored) return;
            detector.Use(AnomalyModel.FromJson(stored.Model));
            _nextRetrain = stored.TrainedAt + Settings.RetrainInterval;
        }
        catch (Exception e) when (e is StoreUnavailableException or FormatException or ArgumentException)
        {
            log.LogWarning("Stored anomaly model not loaded: {Error}", e.Message);
        }
    }

    internal async Task TickAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (Settings.RetrainInterval is { } every && (detector.Current is null || now >= _nextRetrain))
        {
            if (await RetrainAsync(now, cancellationToken)) _nextRetrain = now + every;
        }
        await ScoreAsync(now, cancellationToken);
        if (options.Retention is { } keep) await anomalies.DeleteAnomalyScoresBeforeAsync(now - keep, cancellationToken);
    }

    /// <summary>Trains on every node's readings of the training window; false when there are too few.</summary>
    private async Task<bool> RetrainAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        DateTimeOffset from = now - Settings.TrainingWindow;
        var rows = new List<double[]>();
        int nodes = 0;
        DateTimeOffset? first = null, last = null;
        foreach (NodeRecord node in await store.ListNodesAsync(cancellationToken))
        {
            var readings = await anomalies.ReadEnvironmentAsync(node.Id, from, now.AddMilliseconds(1), cancellationToken);
            if (readings.Count == 0) continue;
            nodes++;
            first = first is { } f && f < readings[0].ReceivedAt ? f : readings[0].ReceivedAt;
            last = last is { } l && l > readings[^1].ReceivedAt ? l : readings[^1].ReceivedAt;
            rows.AddRange(Features(readings).Select(x => x.Features));
        }
        if (rows.Count < Settings.MinTrainingRows)
        {
            log.LogInformation("Anomaly forest not retrained: {Rows} readings in the last {Window}, {Needed} needed", rows.Count, Settings.TrainingWindow, Settings.MinTrainingRows);
            return false;
        }
        var provenance = new AnomalyProvenance("telemetry", now, rows.Count, first, last, Seed: Settings.Seed, Nodes: nodes);
        var model = AnomalyModel.Train($"anomaly-forest-{now.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}", AnomalyChannel.Telemetry, rows, Settings.Seed, provenance);
        await anomalies.SaveAnomalyModelAsync(new StoredAnomalyModel(model.Version, now, provenance.Source, rows.Count, first, last, model.ToJson()), cancellationToken);
        detector.Use(model);
        log.LogInformation("Anomaly forest {Version} trained on {Rows} readings of {Nodes} nodes", model.Version, rows.Count, nodes);
        return true;
    }

    /// <summary>Scores each node's unscored readings, replaying the day before them so the 24 h windows are full.</summary>
    private async Task ScoreAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (detector.Current is not { } model) return;
        var scoredUpTo = await anomalies.ScoredUpToAsync(cancellationToken);
        foreach (NodeRecord node in await store.ListNodesAsync(cancellationToken))
        {
            DateTimeOffset since = scoredUpTo.TryGetValue(node.Id, out var upTo) ? upTo : now - Settings.TrainingWindow;
            var readings = await anomalies.ReadEnvironmentAsync(node.Id, since - EnvironmentFeatures.DayWindow, now.AddMilliseconds(1), cancellationToken);
            var scores = Features(readings)
                .Where(x => !x.Reading.Scored && x.Reading.ReceivedAt >= since)
                .Select(x => new NewAnomalyScore(x.Reading.TelemetryId, node.Id, x.Reading.ReceivedAt, model.Score(x.Features), model.Version, now))
                .ToList();
            if (scores.Count > 0) await anomalies.WriteAnomalyScoresAsync(scores, cancellationToken);
        }
    }

    private static IEnumerable<(EnvironmentReading Reading, double[] Features)> Features(IReadOnlyList<EnvironmentReading> readings)
    {
        var tracker = new FeatureTracker(AnomalyChannel.Telemetry);
        foreach (EnvironmentReading r in readings) yield return (r, tracker.Next(r.ReceivedAt, [r.TemperatureC, r.HumidityPct]));
    }
}
