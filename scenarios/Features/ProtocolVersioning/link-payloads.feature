@protocol
Feature: Each protocol version publishes what the platform contract says
  Old nodes in the field keep their payloads; newer ones add fields but never rename them.
  (Checked here on the link, as the broker would receive them; the backend's side comes with the backend.)

  Scenario Outline: a node speaking protocol v<version> publishes v<version> payloads
    Given a node running firmware "<firmware>" with protocol v<version>
    And the hive temperature is 24.5 °C and the humidity 58 %
    When the node sends 10 readings
    Then every reading on the link is protocol v<version>
    And the last reading on the link has temperature 24.5 and humidity 58
    And the last reading on the link has the fields "<fields>"

    @smoke
    Examples:
      | version | firmware | fields                                                                          |
      | 3       | 3.0.0    | v, node_id, fw, boot, seq, uptime_ms, temperature_c, humidity_pct, battery_mv, rssi_dbm, error_flags |

    Examples:
      | version | firmware | fields                                                                          |
      | 1       | 1.4.2    | node_id, temp, humidity                                                         |
      | 2       | 2.1.0    | v, node_id, fw, boot, seq, uptime_ms, temperature_c, humidity_pct, battery_mv, rssi_dbm, error_flags |

  Scenario: a v1 node sends the legacy flat payload only
    Given a node speaking protocol v1
    When the node sends 1 reading
    Then the last reading on the link has none of the fields "v, seq, boot, fw, temperature_c, audio"

  Scenario Outline: protocol v<version> readings report the firmware they were built from
    Given a node running firmware "<firmware>" with protocol v<version>
    When the node sends 2 readings
    Then the readings on the link report firmware "<firmware>"

    Examples:
      | version | firmware |
      | 2       | 2.1.0    |
      | 3       | 3.0.0    |
      | 3       | 3.1.0    |

  Scenario: a mixed fleet of v1, v2 and v3 nodes runs at once
    Given these nodes:
      | firmware | protocol |
      | 1.4.2    | 1        |
      | 2.1.0    | 2        |
      | 3.0.0    | 3        |
    And every node reports every 30 seconds
    When 5 minutes pass on every node's clock
    Then every node publishes under its own id

  Scenario: a v2 node's readings count up within one boot
    Given a node running firmware "2.1.0" with protocol v2
    When the node sends 3 readings
    Then every reading on the link is protocol v2
    And the readings on the link have no gaps and no duplicates
