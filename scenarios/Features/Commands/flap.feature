@commands @platform
Feature: An operator's commands reach the node and come back acknowledged
  Commands are created through the backend's API, delivered over MQTT, and acknowledged by the node.

  @smoke @latency
  Scenario: the ventilation flap moves on an operator's command
    Given a node running firmware "3.0.0"
    When an operator asks the node to open the ventilation flap to 40 %
    Then the node acknowledges within 1 second
    And the node's console shows the flap at 40 %

  Scenario: a flap position out of range is refused with the reason
    Given a node running firmware "3.0.0"
    When an operator asks the node to open the ventilation flap to 150 %
    Then the node refuses it with the detail "position must be an integer 0..100"
    And the node's console shows the flap at 0 %

  Scenario: an unknown command is refused, not ignored
    Given a node running firmware "3.0.0"
    When an operator sends the node a "self_destruct" command
    Then the node refuses it with the detail "unknown type"

  Scenario: an operator changes the reporting interval
    Given a node running firmware "3.0.0"
    When an operator sets the node's interval_s to 30
    Then the node acknowledges within 1 second
    When "config get interval_s" is typed on the console
    Then the console answers these values:
      | key        | value |
      | interval_s | 30    |

  Scenario: a command given while the broker is restarting still arrives
    Given a node running firmware "3.0.0"
    When the broker restarts
    And the node is back online
    And an operator asks the node to open the ventilation flap to 70 %
    Then the node acknowledges within 1 second
    And the node's console shows the flap at 70 %
