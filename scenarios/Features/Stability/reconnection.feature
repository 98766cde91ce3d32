@stability
Feature: A node reconnects on a schedule it can keep for years
  The ESP-AT client backs off 1 s, 2 s, 4 s ... up to 60 s between failed joins, starts again at 1 s after a success,
  and notices a lost broker with Wi-Fi still up (+MQTTDISCONNECTED) at once and connects again after the first backoff.
  The timing is the node's own (device time, from the modem's timeline).

  Scenario: the retries back off, double and stop growing at a minute
    Given a node
    And the node reports every 5 seconds
    When Wi-Fi drops for 10 minutes
    Then the node tried to join Wi-Fi again after "1, 2, 4, 8, 16, 32, 60, 60" seconds

  Scenario: after a success the backoff starts again at one second
    Given a node
    And the node reports every 5 seconds
    When Wi-Fi drops for 3 minutes
    And 1 minute passes on the node's clock
    And Wi-Fi drops for 20 seconds
    Then the node tried to join Wi-Fi again after "1, 2, 4, 8" seconds

  # The loss falls in the middle of a publish: the broker got it, the node never heard +MQTTPUB:OK, so it sends it
  # again (at least once, as MQTT promises); the backend keeps it once.
  @platform
  Scenario: a lost broker with Wi-Fi up is noticed at once and the node is back after the first backoff
    Given the platform is running
    And a node
    And the node reports every 5 seconds
    When 20 seconds pass on the node's clock
    And the broker drops the node's connection
    And 30 seconds pass on the node's clock
    Then the node noticed the lost broker and was back within 1 second
    And the node's link is mqtt
    And the backend has every reading the node published, exactly once and in order

  Scenario: a broker lost between two readings is noticed at once, not at the next publish
    Given a node
    And the node reports every 5 seconds
    When 23 seconds pass on the node's clock
    And the broker drops the node's connection
    And 30 seconds pass on the node's clock
    Then the node noticed the lost broker and was back within 1 second
    And the readings on the link have no gaps and no duplicates
