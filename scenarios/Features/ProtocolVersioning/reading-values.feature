@link
Feature: A reading carries exactly what the node measured, when it measured it
  The contract's numbers are the sensor's numbers: negative, fractional and at the ends of their ranges, in every
  protocol version; a v3 node adds what it heard; readings are one reporting interval apart on the node's own clock.

  Scenario Outline: the sensor values reach the link as measured (protocol v<protocol>, <temperature> °C, <humidity> %)
    Given a node speaking protocol v<protocol>
    And the hive temperature is <temperature> °C and the humidity <humidity> %
    And the node reports every 5 seconds
    When 11 seconds pass on the node's clock
    Then the last reading on the link has temperature <temperature> and humidity <humidity>

    Examples:
      | protocol | temperature | humidity |
      | 1        | -5.25       | 0.5      |
      | 2        | -0.75       | 100      |
      | 3        | 0           | 61.2     |
      | 2        | 41.99       | 99.99    |

  @smoke
  Scenario: readings are one reporting interval apart on the node's clock
    Given a node speaking protocol v2
    And the node reports every 5 seconds
    When 1 minute passes on the node's clock
    Then consecutive readings on the link are 5000 ms apart in uptime_ms

  Scenario: a configuration change does not restart the sequence numbers
    Given a node speaking protocol v2
    And the node reports every 5 seconds
    When 30 seconds pass on the node's clock
    And "config set interval_s 10" is typed on the console
    And 1 minute passes on the node's clock
    Then the readings on the link have no gaps and no duplicates
    And the link carries at least 11 readings from the node

  Scenario: a v3 reading after a capture carries what the node heard and what it made of it
    Given a node speaking protocol v3
    And the node reports every 5 seconds
    When the node hears 2 s of a normal hive
    And 6 seconds pass on the node's clock
    Then the last reading on the link has 16 audio bins and the inference label normal
    And the last reading on the link names inference model version 2
    And the console shows a line matching "^\[audio\] capture frames=\d+ rms=\d+\.\d{6} spike_ratio=\d+\.\d{6} trusted=[01] label=normal p_event=0\.\d{6}$" within 1 second

  Scenario: a node that has had no sensor frame says so in its readings, and stops saying so after one
    Given a node speaking protocol v2
    And the node reports every 5 seconds
    When 6 seconds pass on the node's clock
    Then the last reading on the link has error flags 1
    When the hive temperature is 21.5 °C and the humidity 55 %
    And 6 seconds pass on the node's clock
    Then the last reading on the link has error flags 0
    And the last reading on the link has battery 3700 mV and RSSI -60 dBm
